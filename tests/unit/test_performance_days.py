"""A bank day's bounds, for rolling agents' figures up per day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from persistence.performance_days import day_bounds


def test_a_bank_day_in_hanoi_starts_at_17_00_utc_the_evening_before() -> None:
    start, end = day_bounds(date(2026, 11, 29), ZoneInfo("Asia/Ho_Chi_Minh"))
    assert (start, end) == (
        datetime(2026, 11, 28, 17, 0, tzinfo=UTC),
        datetime(2026, 11, 29, 17, 0, tzinfo=UTC),
    )


def test_a_day_with_a_clock_change_is_not_24_hours() -> None:
    # New York's autumn change: the day has 25 hours; a fixed 24 would drop an hour.
    start, end = day_bounds(date(2026, 11, 1), ZoneInfo("America/New_York"))
    assert (end - start).total_seconds() == 25 * 3600
