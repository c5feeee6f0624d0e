"""Contact rules in the bank's time zone: hours, daily and weekly caps, reference persons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.contact_rules import (
    Attempt,
    ContactPolicy,
    Proposed,
    Rule,
    cadence_allows,
    check,
    may_contact_now,
    recent,
)

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
POLICY = ContactPolicy(HANOI)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=HANOI)


def call(when: datetime, **overrides: bool) -> Proposed:
    flags = {"is_contact_attempt": True, "to_reference": False, "type_allows_reference": False}
    return Proposed(when, **{**flags, **overrides})


def attempts(*times: datetime) -> list[Attempt]:
    return [Attempt(f"a{i}", t) for i, t in enumerate(times)]


@pytest.mark.parametrize(
    ("hour", "minute", "allowed"),
    [(6, 59, False), (7, 0, True), (12, 0, True), (20, 59, True), (21, 0, False), (21, 30, False)],
)
def test_contact_hours_are_the_bank_s_local_time(hour: int, minute: int, allowed: bool) -> None:
    refusal = check(POLICY, call(at(30, hour, minute)), [])
    assert (refusal is None) is allowed
    if refusal is not None:
        assert refusal.rule is Rule.CONTACT_HOURS
        assert f"{hour:02d}:{minute:02d}" in refusal.reason


def test_a_utc_time_inside_hanoi_night_is_refused() -> None:
    # 14:30 UTC is 21:30 in Hanoi.
    refusal = check(POLICY, call(datetime(2026, 11, 30, 14, 30, tzinfo=UTC)), [])
    assert refusal is not None and refusal.rule is Rule.CONTACT_HOURS


def test_the_sixth_attempt_of_a_day_is_refused() -> None:
    five = attempts(*(at(30, 8 + i) for i in range(5)))
    refusal = check(POLICY, call(at(30, 15)), five)
    assert refusal is not None and refusal.rule is Rule.DAILY_LIMIT
    assert "5 contact attempts already on 2026-11-30" in refusal.reason
    assert check(POLICY, call(at(30, 15)), five[:4]) is None


def test_the_day_is_the_local_day_not_utc() -> None:
    # 06:30 UTC on the 30th and 23:30 UTC on the 29th are both the 30th in Hanoi (…and the
    # latter is 06:30 local, outside hours, so it only counts as history here).
    history = attempts(
        datetime(2026, 11, 29, 23, 30, tzinfo=UTC), *(at(30, 9 + i) for i in range(4))
    )
    refusal = check(POLICY, call(at(30, 16)), history)
    assert refusal is not None and refusal.rule is Rule.DAILY_LIMIT


def test_yesterday_s_attempts_do_not_count_today() -> None:
    assert check(POLICY, call(at(30, 8)), attempts(*(at(29, 8 + i) for i in range(5)))) is None


def test_the_rolling_week_caps_attempts_across_days() -> None:
    # 7 attempts over the 6 days before: the 8th within 7 days is refused, on a fresh day.
    history = attempts(*(at(23 + i, 10) for i in range(1, 7)), at(29, 11))
    refusal = check(POLICY, call(at(30, 9)), history)
    assert refusal is not None and refusal.rule is Rule.WEEKLY_LIMIT
    # Without the oldest, six are within the 7 days: a seventh is allowed.
    assert check(POLICY, call(at(30, 10, 30)), history[1:]) is None


def test_a_reference_person_only_when_the_type_allows_it() -> None:
    refusal = check(POLICY, call(at(30, 10), to_reference=True), [])
    assert refusal is not None and refusal.rule is Rule.REFERENCE_CONTACT
    assert (
        check(POLICY, call(at(30, 10), to_reference=True, type_allows_reference=True), []) is None
    )


def test_what_is_not_a_contact_attempt_is_not_limited_by_hours_or_counts() -> None:
    five = attempts(*(at(30, 8 + i) for i in range(5)))
    assert check(POLICY, call(at(30, 22), is_contact_attempt=False), five) is None


def test_limits_are_configuration() -> None:
    strict = ContactPolicy(HANOI, max_per_day=2, max_per_week=3)
    refusal = check(strict, call(at(30, 12)), attempts(at(30, 8), at(30, 9)))
    assert refusal is not None and refusal.rule is Rule.DAILY_LIMIT


def test_queue_filter_and_next_opening() -> None:
    assert may_contact_now(POLICY, at(30, 10), [])
    assert not may_contact_now(POLICY, at(30, 22), [])
    assert POLICY.next_opening(at(30, 22)) == datetime(2026, 12, 1, 7, 0, tzinfo=HANOI)
    assert POLICY.next_opening(at(30, 5)) == at(30, 7)
    assert POLICY.next_opening(at(30, 10)) == at(30, 10)


def test_state_keeps_only_what_a_rule_can_still_see() -> None:
    now = at(30, 10)
    history = attempts(now - timedelta(days=20), now - timedelta(days=8), now - timedelta(hours=1))
    kept = recent(history, now)
    assert [a.action_id for a in kept] == ["a1", "a2"]


def test_a_cadence_waits_its_days_after_the_last_attempt() -> None:
    last = [Attempt("a", at(10, 9))]
    assert cadence_allows(0, last, at(10, 10))
    assert not cadence_allows(3, last, at(13, 8, 59))
    assert cadence_allows(3, last, at(13, 9))
    assert cadence_allows(3, [], at(10, 10))
