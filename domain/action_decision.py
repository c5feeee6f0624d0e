"""Deciding a RecordAction against one customer's contact state: recorded or refused, once.

The state lives in the workflow agent's table, keyed by CIF, so all of a customer's actions
are decided by one worker in order: two agents calling the same customer at once cannot both
take the fifth attempt of the day. A replayed command (same action id) gets the decision it
got the first time, whatever happened since, so a crash between the table and the sink
changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
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


@dataclass(frozen=True, slots=True)
class ContactState:
    """One customer's recent contact attempts and recent decisions."""

    attempts: tuple[Attempt, ...] = ()
    decided: Mapping[str, Decided] = field(default_factory=dict)


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
    updated = prune(replace(state, attempts=attempts, decided={**state.decided, key: decided}), now)
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
    decided = {k: d for k, d in state.decided.items() if d.decided_at >= horizon}
    return ContactState(attempts, decided)


def kind_of(dictionaries: Dictionaries, action: RecordAction) -> ActionKind:
    """What the dictionaries snapshot says of the action's type, subtype and result."""
    action_type = dictionaries.action_type(action.action_type)
    return ActionKind(
        known=dictionaries.allows(action.action_type, action.subtype, action.result),
        is_contact_attempt=action_type.is_contact_attempt if action_type else True,
        may_contact_reference=action_type.may_contact_reference if action_type else False,
    )
