"""Collection strategy: which treatment a delinquent customer gets, as data (DOMAIN.md).

A segment says which customers it takes — DPD buckets, products, past-due balance, region,
risk flags — and which strategy treats them: a team, a priority, the channels agents may
use, and a contact cadence. Segments are tried in rank order; the first that matches wins.
A segment may split its customers between its champion and a challenger strategy: the split
is a stable hash of the CIF, so a customer stays in one arm for as long as the split stays the
same, and the arms can be compared on results.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class Arm(StrEnum):
    CHAMPION = "CHAMPION"
    CHALLENGER = "CHALLENGER"


@dataclass(frozen=True, slots=True)
class Strategy:
    code: str
    team_code: str
    priority: int
    # Action types agents may use on the customer (CALL, SMS, …); empty means all.
    channels: tuple[str, ...]
    # At most one contact attempt per this many days; 0 means only the contact rules limit.
    cadence_days: int


@dataclass(frozen=True, slots=True)
class Segment:
    code: str
    rank: int
    champion: str
    challenger: str | None = None
    # Share of the segment's customers, 0 to 100, that the challenger treats.
    challenger_percent: int = 0
    # Criteria: an empty tuple or None matches anything.
    buckets: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    min_outstanding: Decimal | None = None
    max_outstanding: Decimal | None = None
    regions: tuple[str, ...] = ()
    # The customer must carry at least one of these flags.
    risk_flags: tuple[str, ...] = ()

    def matches(self, facts: Facts) -> bool:
        if self.buckets and facts.bucket not in self.buckets:
            return False
        if self.products and not set(self.products) & set(facts.products):
            return False
        if self.min_outstanding is not None and facts.outstanding_vnd < self.min_outstanding:
            return False
        if self.max_outstanding is not None and facts.outstanding_vnd > self.max_outstanding:
            return False
        if self.regions and facts.region not in self.regions:
            return False
        return not self.risk_flags or bool(set(self.risk_flags) & facts.risk_flags)

    def arm_of(self, cif: str) -> Arm:
        if self.challenger is None or self.challenger_percent <= 0:
            return Arm.CHAMPION
        return (
            Arm.CHALLENGER
            if split_point(self.code, cif) < self.challenger_percent
            else Arm.CHAMPION
        )


def split_point(segment_code: str, cif: str) -> int:
    """0 to 99, the same for a customer and segment on every worker and every run.

    A cryptographic hash rather than Python's hash(): that one is salted per process."""
    digest = hashlib.sha256(f"{segment_code}\x00{cif}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100


@dataclass(frozen=True, slots=True)
class Facts:
    """What the strategy knows of a customer with an open case."""

    cif: str
    bucket: str
    products: tuple[str, ...]
    outstanding_vnd: Decimal
    region: str | None = None
    risk_flags: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Treatment:
    cif: str
    segment_code: str
    strategy: Strategy
    arm: Arm


@dataclass(frozen=True, slots=True)
class Book:
    """The active segments (rank order) and strategies, as one snapshot."""

    segments: tuple[Segment, ...]
    strategies: Mapping[str, Strategy]
    # When the newest segment or strategy in it was changed: a customer decided with an older
    # book is decided again (None: a book that was never stored).
    version: datetime | None = None

    @classmethod
    def of(
        cls,
        segments: Iterable[Segment],
        strategies: Iterable[Strategy],
        version: datetime | None = None,
    ) -> Book:
        return cls(
            tuple(sorted(segments, key=lambda s: (s.rank, s.code))),
            {s.code: s for s in strategies},
            version,
        )

    def treat(self, facts: Facts) -> Treatment | None:
        """The first matching segment's treatment; None when no segment takes the customer."""
        for segment in self.segments:
            if not segment.matches(facts):
                continue
            arm = segment.arm_of(facts.cif)
            challenger = self.strategies.get(segment.challenger or "")
            if arm is Arm.CHALLENGER and challenger is not None:
                return Treatment(facts.cif, segment.code, challenger, arm)
            # A retired challenger sends its arm back to the champion.
            champion = self.strategies.get(segment.champion)
            if champion is not None:
                return Treatment(facts.cif, segment.code, champion, Arm.CHAMPION)
        return None
