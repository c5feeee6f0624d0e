"""The action dictionaries as the rules read them: types, subtypes, results, what may combine.

An administrator maintains them (DOMAIN.md: valid combinations are configuration); recording
an action checks against one loaded snapshot, so a check never sees half of a change.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

# Codes are stable identifiers reports and integrations key on: upper case, no spaces.
# Unanchored on purpose: use fullmatch (a "$" anchor would let a trailing newline through).
CODE = re.compile(r"[A-Z][A-Z0-9_]{1,39}")


@dataclass(frozen=True, slots=True)
class ActionType:
    code: str
    name_en: str
    name_vi: str
    # Counts towards the contact limits (a letter does not, a call does).
    is_contact_attempt: bool
    # A reference person (guarantor, spouse …) may be contacted this way.
    may_contact_reference: bool
    active: bool


@dataclass(frozen=True, slots=True)
class ActionSubtype:
    code: str
    name_en: str
    name_vi: str
    active: bool


@dataclass(frozen=True, slots=True)
class ResultCode:
    code: str
    name_en: str
    name_vi: str
    # The person liable for the debt was reached.
    is_right_party_contact: bool
    # Recording it takes a promise (amount and due date).
    creates_promise: bool
    active: bool


@dataclass(frozen=True, slots=True, order=True)
class Combination:
    action_type: str
    subtype: str
    result: str


@dataclass(frozen=True)
class Dictionaries:
    """One consistent snapshot of the dictionaries; build it with `Dictionaries.of`."""

    types: Mapping[str, ActionType]
    subtypes: Mapping[str, ActionSubtype]
    results: Mapping[str, ResultCode]
    # (type, subtype) → the results configured for it.
    results_for: Mapping[tuple[str, str], frozenset[str]]

    @classmethod
    def of(
        cls,
        types: Iterable[ActionType],
        subtypes: Iterable[ActionSubtype],
        results: Iterable[ResultCode],
        combinations: Iterable[Combination],
    ) -> Dictionaries:
        grouped: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
        for c in combinations:
            grouped[c.action_type, c.subtype].add(c.result)
        return cls(
            MappingProxyType({t.code: t for t in types}),
            MappingProxyType({s.code: s for s in subtypes}),
            MappingProxyType({r.code: r for r in results}),
            MappingProxyType({pair: frozenset(codes) for pair, codes in grouped.items()}),
        )

    def action_type(self, code: str) -> ActionType | None:
        return self.types.get(code)

    def subtype(self, code: str) -> ActionSubtype | None:
        return self.subtypes.get(code)

    def result(self, code: str) -> ResultCode | None:
        return self.results.get(code)

    def combinations(self) -> list[Combination]:
        """Every configured combination, sorted (inactive entries included)."""
        return sorted(
            Combination(t, s, r) for (t, s), codes in self.results_for.items() for r in codes
        )

    def allows(self, action_type: str, subtype: str, result: str | None = None) -> bool:
        """May an agent record this: a configured combination of active entries.

        Without a result: whether some active result is configured for the type and
        subtype, i.e. the action can be recorded now and its outcome later.
        """
        kind, sub = self.types.get(action_type), self.subtypes.get(subtype)
        if kind is None or sub is None or not (kind.active and sub.active):
            return False
        configured = self.results_for.get((action_type, subtype), frozenset())
        candidates = configured if result is None else configured & {result}
        # A deactivated result is kept for history but may not be recorded any more.
        return any(self._active_result(code) for code in candidates)

    def _active_result(self, code: str) -> bool:
        found = self.results.get(code)
        return found is not None and found.active
