"""Contact rules: whether an attempt to contact a customer about their debt may be recorded.

The limits are configuration (DOMAIN.md, "Contact rules"): Vietnam's circular allows at most
5 reminders a day, only 07:00-21:00, never to people not liable for the debt; a rolling
7-day cap follows Regulation F's "7 in 7 days" presumption of harassment. Days and hours are
the bank's local time, so a call at 21:30 in Hanoi is refused whatever UTC says.

Pure: the caller supplies the customer's recent attempts (from the agent's table).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

WEEK = timedelta(days=7)
# How late an action may be recorded after it happened (a field visit typed in the next day).
LATEST_BACKDATE = timedelta(hours=24)


class Rule(StrEnum):
    """What refused an action; the API's 422 names it, the audit keeps it."""

    CONTACT_HOURS = "CONTACT_HOURS"
    DAILY_LIMIT = "DAILY_LIMIT"
    WEEKLY_LIMIT = "WEEKLY_LIMIT"
    REFERENCE_CONTACT = "REFERENCE_CONTACT"
    COMBINATION = "COMBINATION"


@dataclass(frozen=True, slots=True)
class ContactPolicy:
    time_zone: ZoneInfo
    window_start: time = time(7, 0)
    # Exclusive: a call at exactly 21:00 is already outside.
    window_end: time = time(21, 0)
    max_per_day: int = 5
    max_per_week: int = 7

    def local(self, at: datetime) -> datetime:
        return at.astimezone(self.time_zone)

    def within_hours(self, at: datetime) -> bool:
        clock = self.local(at).time()
        return self.window_start <= clock < self.window_end

    def next_opening(self, at: datetime) -> datetime:
        """The first moment at or after `at` inside the contact window."""
        here = self.local(at)
        if self.within_hours(at):
            return here
        day = here.date() if here.time() < self.window_start else here.date() + timedelta(days=1)
        return datetime.combine(day, self.window_start, self.time_zone)


@dataclass(frozen=True, slots=True)
class Attempt:
    """A contact attempt already recorded for the customer (refused ones are not attempts)."""

    action_id: str
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Refusal:
    rule: Rule
    reason: str


@dataclass(frozen=True, slots=True)
class Proposed:
    """The action as the agent wants to record it, with what the dictionaries say of it."""

    occurred_at: datetime
    is_contact_attempt: bool
    to_reference: bool
    type_allows_reference: bool


def check(policy: ContactPolicy, action: Proposed, history: Iterable[Attempt]) -> Refusal | None:
    """The first rule the action breaks, or None when it may be recorded."""
    if action.to_reference and not action.type_allows_reference:
        return Refusal(
            Rule.REFERENCE_CONTACT,
            "this action type may not contact a reference person about the debt",
        )
    if not action.is_contact_attempt:
        return None
    if not policy.within_hours(action.occurred_at):
        local = policy.local(action.occurred_at).strftime("%H:%M")
        return Refusal(
            Rule.CONTACT_HOURS,
            f"{local} is outside contact hours "
            f"{policy.window_start:%H:%M}-{policy.window_end:%H:%M} ({policy.time_zone.key})",
        )
    day = policy.local(action.occurred_at).date()
    week_start = action.occurred_at - WEEK
    same_day = week = 0
    for attempt in history:
        if policy.local(attempt.occurred_at).date() == day:
            same_day += 1
        if week_start < attempt.occurred_at <= action.occurred_at:
            week += 1
    if same_day >= policy.max_per_day:
        return Refusal(
            Rule.DAILY_LIMIT,
            f"{same_day} contact attempts already on {day.isoformat()}"
            f" (at most {policy.max_per_day} a day)",
        )
    if week >= policy.max_per_week:
        return Refusal(
            Rule.WEEKLY_LIMIT,
            f"{week} contact attempts in the 7 days before"
            f" (at most {policy.max_per_week} in 7 days)",
        )
    return None


def may_contact_now(policy: ContactPolicy, now: datetime, history: Iterable[Attempt]) -> bool:
    """Whether an agent may try this customer now (the work queue's filter)."""
    probe = Proposed(now, is_contact_attempt=True, to_reference=False, type_allows_reference=False)
    return check(policy, probe, history) is None


def recent(history: Iterable[Attempt], now: datetime) -> list[Attempt]:
    """The attempts any rule can still look at: the customer's state keeps only these."""
    # The weekly cap looks 7 days back from an action recorded up to a day late (LATEST_BACKDATE);
    # another day covers the local day of the daily limit.
    horizon = now - WEEK - LATEST_BACKDATE - timedelta(days=1)
    return sorted((a for a in history if a.occurred_at > horizon), key=lambda a: a.occurred_at)


def cadence_allows(cadence_days: int, history: Iterable[Attempt], now: datetime) -> bool:
    """A strategy's cadence: no new attempt until `cadence_days` after the last one (0: none)."""
    cadence = timedelta(days=cadence_days)
    return cadence_days <= 0 or all(now - a.occurred_at >= cadence for a in history)
