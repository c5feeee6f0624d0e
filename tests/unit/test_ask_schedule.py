"""When the filler looks again for customers decided with an older strategy book."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.ask_schedule import AskSchedule

VERSION = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
CACHES = timedelta(seconds=65)
RECHECK = timedelta(minutes=10)


def _schedule() -> AskSchedule:
    return AskSchedule(CACHES, RECHECK)


def test_the_first_look_is_always_due() -> None:
    assert _schedule().due(VERSION, VERSION + timedelta(hours=5))


def test_a_look_that_found_nobody_after_the_caches_refreshed_settles_until_the_recheck() -> None:
    s = _schedule()
    at = VERSION + CACHES
    s.looked(VERSION, at, 0)
    assert not s.due(VERSION, at + timedelta(seconds=30))
    assert not s.due(VERSION, at + RECHECK - timedelta(seconds=1))
    assert s.due(VERSION, at + RECHECK)


def test_a_new_version_is_looked_for_at_once() -> None:
    s = _schedule()
    s.looked(VERSION, VERSION + CACHES, 0)
    newer = VERSION + timedelta(minutes=3)
    assert s.due(newer, VERSION + timedelta(minutes=3, seconds=1))


def test_a_look_soon_after_the_change_does_not_settle() -> None:
    # A worker still deciding with the book it cached before the change records the older
    # version; only a later look finds those customers.
    s = _schedule()
    at = VERSION + CACHES - timedelta(seconds=1)
    s.looked(VERSION, at, 0)
    assert s.due(VERSION, at + timedelta(seconds=30))


def test_a_look_that_asked_someone_does_not_settle() -> None:
    s = _schedule()
    at = VERSION + timedelta(hours=1)
    s.looked(VERSION, at, 1)
    assert s.due(VERSION, at + timedelta(seconds=30))


def test_a_look_another_worker_held_does_not_settle() -> None:
    s = _schedule()
    at = VERSION + timedelta(hours=1)
    s.looked(VERSION, at, None)
    assert s.due(VERSION, at + timedelta(seconds=30))


def test_a_settled_look_is_undone_by_a_later_look_that_asked() -> None:
    s = _schedule()
    at = VERSION + timedelta(hours=1)
    s.looked(VERSION, at, 0)
    s.looked(VERSION, at + RECHECK, 3)  # the recheck found customers asked and lost
    assert s.due(VERSION, at + RECHECK + timedelta(seconds=30))
