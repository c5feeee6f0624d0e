"""Deciding a RecordAction against one customer's contact state: recorded or refused, once.

The state lives in the workflow agent's table, keyed by CIF, so all of a customer's actions
are decided by one worker in order: two agents calling the same customer at once cannot both
take the fifth attempt of the day. A replayed command (same action id) gets the decision it
got the first time, whatever happened since, so a crash between the table and the sink
changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from domain.action_dictionary import Dictionaries
from domain.actions import Party, RecordAction
from domain.contact_rules import (
    Attempt,
    ContactPolicy,
    Proposed,
    Refusal,
    Rule,
    check,
    recent,
)

DECISION_MEMORY = timedelta(days=2)


class Status(StrEnum):
    RECORDED = "RECORDED"
    REFUSED = "REFUSED"


@dataclass(frozen=True, slots=True)
class ActionKind:
    """What the dictionaries say about the action's type, subtype and result."""

    known: bool
    is_contact_attempt: bool
    may_contact_reference: bool


@dataclass(frozen=True, slots=True)
class Decided:
    action_id: str
    status: Status
    rule: Rule | None
    reason: str | None
    # When it was decided: replays are recognised until the state forgets it (see prune).
    decided_at: datetime


def decided_to_json(d: Decided) -> dict[str, Any]:
    """A decision as the contacts table and the decision announcements carry it."""
    return {
        "status": d.status.value,
        "rule": d.rule.value if d.rule else None,
        "reason": d.reason,
        "at": d.decided_at.isoformat(),
    }


def decided_from_json(action_id: str, raw: Mapping[str, Any]) -> Decided:
    return Decided(
        action_id,
        Status(raw["status"]),
        Rule(raw["rule"]) if raw["rule"] else None,
        raw["reason"],
        datetime.fromisoformat(raw["at"]),
    )


class Decisions(Mapping[str, Decided]):
    """A customer's recent decisions by action id, oldest first, read only when asked for.

    Entries may be kept as stored (`read` turns one into a Decided) or already decided. Each
    action looks up one id among a few dozen and adds one, so the rest pass from the table
    and back untouched: decoding and re-encoding every entry per action was about 5% of the
    workflow worker at 1,000 actions/s (py-spy; ~40 µs per action with 9 entries).
    """

    __slots__ = ("_entries", "_read")

    def __init__(
        self,
        entries: Mapping[str, Any] | None = None,
        read: Callable[[str, Any], Decided] | None = None,
    ) -> None:
        self._entries: dict[str, Any] = dict(entries or {})
        self._read = read

    @classmethod
    def of(cls, decided: Mapping[str, Decided]) -> Decisions:
        return decided if isinstance(decided, Decisions) else cls(decided)

    def __getitem__(self, key: str) -> Decided:
        entry = self._entries[key]
        if isinstance(entry, Decided):
            return entry
        if self._read is None:
            raise TypeError(f"decision {key} is stored and there is no reader for it")
        return self._read(key, entry)

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Decisions({dict(self.items())!r})"

    def added(self, key: str, decided: Decided) -> Decisions:
        return Decisions({**self._entries, key: decided}, self._read)

    def since(self, horizon: datetime) -> Decisions:
        """Without the oldest decisions made before `horizon`.

        Entries are added as they are decided, so the old ones come first and only those
        are read. One out of order (the clock stepped back) is kept a little longer.
        """
        keys = list(self._entries)
        drop = 0
        while drop < len(keys) and self[keys[drop]].decided_at < horizon:
            drop += 1
        if drop == 0:
            return self
        return Decisions({k: self._entries[k] for k in keys[drop:]}, self._read)

    def stored(self, write: Callable[[Decided], Any]) -> dict[str, Any]:
        """Every entry as stored: those read from storage as they were, new ones written."""
        return {k: write(e) if isinstance(e, Decided) else e for k, e in self._entries.items()}


@dataclass(frozen=True, slots=True)
class ContactState:
    """One customer's recent contact attempts and recent decisions (oldest first)."""

    attempts: tuple[Attempt, ...] = ()
    decided: Mapping[str, Decided] = field(default_factory=Decisions)


@dataclass(frozen=True, slots=True)
class Decision:
    decided: Decided
    # True when the action id was decided before: nothing changes, the same answer repeats.
    replay: bool


def decide(
    state: ContactState | None,
    action: RecordAction,
    kind: ActionKind,
    policy: ContactPolicy,
    now: datetime,
) -> tuple[Decision, ContactState]:
    """Record or refuse `action`; return the decision and the customer's next state."""
    state = state or ContactState()
    key = str(action.action_id)
    earlier = state.decided.get(key)
    if earlier is not None:
        return Decision(earlier, replay=True), state
    refusal = _refusal(state, action, kind, policy)
    decided = Decided(
        key,
        Status.REFUSED if refusal else Status.RECORDED,
        refusal.rule if refusal else None,
        refusal.reason if refusal else None,
        now,
    )
    attempts = state.attempts
    if refusal is None and kind.is_contact_attempt:
        attempts = (*attempts, Attempt(key, action.occurred_at))
    added = Decisions.of(state.decided).added(key, decided)
    updated = prune(replace(state, attempts=attempts, decided=added), now)
    return Decision(decided, replay=False), updated


def _refusal(
    state: ContactState, action: RecordAction, kind: ActionKind, policy: ContactPolicy
) -> Refusal | None:
    if not kind.known:
        combination = f"{action.action_type}/{action.subtype}/{action.result or '-'}"
        return Refusal(Rule.COMBINATION, f"{combination} is not a valid combination")
    proposed = Proposed(
        action.occurred_at,
        is_contact_attempt=kind.is_contact_attempt,
        to_reference=action.party is Party.REFERENCE,
        type_allows_reference=kind.may_contact_reference,
    )
    return check(policy, proposed, state.attempts)


def prune(state: ContactState, now: datetime) -> ContactState:
    """Forget what no rule can see any more, so a customer's state stays small."""
    attempts = tuple(recent(state.attempts, now))
    # A replayed command (crash recovery, a retried request) comes within minutes; older
    # retries are recognised by the action's row in PostgreSQL, which the API checks first.
    horizon = now - DECISION_MEMORY
    return ContactState(attempts, Decisions.of(state.decided).since(horizon))


def kind_of(dictionaries: Dictionaries, action: RecordAction) -> ActionKind:
    """What the dictionaries snapshot says of the action's type, subtype and result."""
    action_type = dictionaries.action_type(action.action_type)
    return ActionKind(
        known=dictionaries.allows(action.action_type, action.subtype, action.result),
        is_contact_attempt=action_type.is_contact_attempt if action_type else True,
        may_contact_reference=action_type.may_contact_reference if action_type else False,
    )
