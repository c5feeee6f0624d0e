"""Authentication rules: lockout, session expiry and limits, refresh decisions, roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.auth import (
    ALL_PERMISSIONS,
    DEFAULT_ROLE_PERMISSIONS,
    Lockout,
    LockStatus,
    RefreshDecision,
    SessionExpiry,
    SessionPolicy,
    decide_refresh,
    permissions_for,
    roles_for_groups,
    unknown_roles,
)

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
LOCKOUT = Lockout(threshold=5, window=timedelta(minutes=15), duration=timedelta(minutes=15))
POLICY = SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=12), max_sessions=3)
GROUPS = {
    "CRM-Admins": "ADMIN",
    "CRM-Supervisors": "SUPERVISOR",
    "CRM-TeamLeads": "TEAM_LEAD",
    "CRM-Agents": "AGENT",
    "CRM-Auditors": "AUDITOR",
    "CRM-Service": "SYSTEM",
}


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("failures", "locked_until", "expected"),
    [
        ([], None, LockStatus(locked=False)),
        ([ago(m) for m in (4, 3, 2, 1)], None, LockStatus(locked=False)),
        (
            [ago(m) for m in (4, 3, 2, 1, 0)],
            None,
            LockStatus(locked=True, until=NOW + timedelta(minutes=15), newly_locked=True),
        ),
        # One of the five is exactly one window old: outside it.
        ([ago(m) for m in (15, 3, 2, 1, 0)], None, LockStatus(locked=False)),
        ([ago(m) for m in (40, 30, 20, 2, 1)], None, LockStatus(locked=False)),
        # A lock still running stays, whatever the failures.
        ([], NOW + timedelta(seconds=1), LockStatus(locked=True, until=NOW + timedelta(seconds=1))),
        # An expired lock is no lock, and the failures that caused it do not lock again.
        ([ago(m) for m in (14, 13, 12, 11, 10)], ago(1), LockStatus(locked=False)),
        ([ago(m) for m in (5, 4, 3, 2, 1)], NOW, LockStatus(locked=False)),
        # New failures after the lock ended count afresh.
        (
            [ago(m) for m in (20, 19, 4, 3, 2, 1, 0.5)],
            ago(10),
            LockStatus(locked=True, until=ago(0.5) + timedelta(minutes=15), newly_locked=True),
        ),
        # Failures timestamped in the future (clock skew) are not counted.
        ([NOW + timedelta(minutes=1)] * 5, None, LockStatus(locked=False)),
    ],
)
def test_lockout(
    failures: list[datetime], locked_until: datetime | None, expected: LockStatus
) -> None:
    assert LOCKOUT.status(failures, locked_until, NOW) == expected


def test_lock_ends_after_its_duration() -> None:
    failures = [ago(m) for m in (4, 3, 2, 1, 0)]
    lock = LOCKOUT.status(failures, None, NOW)
    assert lock.until is not None
    later = lock.until + timedelta(microseconds=1)
    assert LOCKOUT.status(failures, lock.until, later) == LockStatus(locked=False)
    assert LOCKOUT.status(failures, lock.until, lock.until - timedelta(seconds=1)).locked


def test_counting_starts_at_window_or_lock_end() -> None:
    assert LOCKOUT.counting_since(None, NOW) == ago(15)
    assert LOCKOUT.counting_since(ago(5), NOW) == ago(5)
    assert LOCKOUT.counting_since(ago(60), NOW) == ago(15)


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        LOCKOUT.status([], None, NOW.replace(tzinfo=None))


@pytest.mark.parametrize(
    ("created", "last_seen", "expected"),
    [
        (ago(60), ago(1), None),
        (ago(60), ago(29.99), None),
        (ago(60), ago(30), SessionExpiry.IDLE),
        (ago(12 * 60 - 1), ago(0), None),
        (ago(12 * 60), ago(0), SessionExpiry.ABSOLUTE),
        # Both: absolute wins, activity never stretches a session past it.
        (ago(13 * 60), ago(60), SessionExpiry.ABSOLUTE),
    ],
)
def test_session_expiry(
    created: datetime, last_seen: datetime, expected: SessionExpiry | None
) -> None:
    assert POLICY.expired(created, last_seen, NOW) is expected


@pytest.mark.parametrize(
    ("active", "to_end"),
    [
        ([], []),
        ([("a", ago(3)), ("b", ago(2))], []),
        ([("c", ago(1)), ("a", ago(3)), ("b", ago(2))], ["a"]),
        ([("d", ago(0)), ("c", ago(1)), ("a", ago(3)), ("b", ago(2))], ["a", "b"]),
        # Same creation time: the id decides, so the result is stable.
        ([("y", ago(5)), ("x", ago(5)), ("z", ago(1))], ["x"]),
    ],
)
def test_sessions_to_end_oldest_first(
    active: list[tuple[str, datetime]], to_end: list[str]
) -> None:
    assert POLICY.sessions_to_end(active) == to_end


def test_single_session_policy_ends_the_only_one() -> None:
    single = SessionPolicy(idle=timedelta(minutes=5), absolute=timedelta(hours=1), max_sessions=1)
    assert single.sessions_to_end([("a", ago(1))]) == ["a"]


@pytest.mark.parametrize(
    ("used_at", "expires_at", "ended_at", "reason", "expected"),
    [
        (None, NOW + timedelta(days=1), None, None, RefreshDecision.ROTATE),
        (ago(1), NOW + timedelta(days=1), None, None, RefreshDecision.REUSED),
        # Reuse is theft evidence even once the session or token is over.
        (ago(1), ago(0.5), ago(0.5), SessionExpiry.IDLE, RefreshDecision.REUSED),
        (None, NOW, None, None, RefreshDecision.EXPIRED),
        (None, ago(1), None, None, RefreshDecision.EXPIRED),
        (None, NOW + timedelta(days=1), ago(1), None, RefreshDecision.SESSION_ENDED),
        (None, NOW + timedelta(days=1), None, SessionExpiry.IDLE, RefreshDecision.SESSION_ENDED),
        (None, ago(1), None, SessionExpiry.ABSOLUTE, RefreshDecision.SESSION_ENDED),
    ],
)
def test_refresh_decision(
    used_at: datetime | None,
    expires_at: datetime,
    ended_at: datetime | None,
    reason: SessionExpiry | None,
    expected: RefreshDecision,
) -> None:
    decision = decide_refresh(
        token_used_at=used_at,
        token_expires_at=expires_at,
        session_ended_at=ended_at,
        session_expiry_reason=reason,
        now=NOW,
    )
    assert decision is expected


@pytest.mark.parametrize(
    ("groups", "roles"),
    [
        (["CRM-Agents"], {"AGENT"}),
        (["Domain Users", "CRM-Agents", "VPN-Users"], {"AGENT"}),
        (["crm-teamleads", "CRM-AGENTS"], {"TEAM_LEAD", "AGENT"}),
        (["Domain Users", "Finance"], set()),
        ([], set()),
        (["CRM-Agents-Old", "XCRM-Admins", "CRM-Admins "], set()),
    ],
)
def test_roles_for_groups(groups: list[str], roles: set[str]) -> None:
    assert roles_for_groups(groups, GROUPS) == roles


@pytest.mark.parametrize(
    ("roles", "granted", "refused"),
    [
        (
            {"AGENT"},
            {"customers:read", "actions:write"},
            {"payments:write", "payments:reverse", "payments:reconcile", "assignments:write"},
        ),
        ({"TEAM_LEAD"}, {"assignments:write", "actions:write"}, {"agents:manage"}),
        (
            {"SUPERVISOR"},
            {"agents:manage", "payments:write", "payments:reverse", "payments:reconcile"},
            {"users:manage", "audit:read"},
        ),
        ({"AUDITOR"}, {"audit:read", "customers:read"}, {"actions:write", "payments:write"}),
        ({"SYSTEM"}, {"payments:write", "sync:run"}, {"customers:read", "users:manage"}),
        ({"AGENT", "AUDITOR"}, {"audit:read", "actions:write"}, {"users:manage"}),
        (set(), set(), ALL_PERMISSIONS),
        ({"ROOT", "admin"}, set(), ALL_PERMISSIONS),
    ],
)
def test_permissions_for(roles: set[str], granted: set[str], refused: set[str]) -> None:
    permissions = permissions_for(roles)
    assert granted <= permissions
    assert not refused & permissions


def test_admin_has_every_permission_and_the_spec_lists_them_all() -> None:
    assert permissions_for({"ADMIN"}) == ALL_PERMISSIONS
    assert ALL_PERMISSIONS == {
        "customers:read",
        "loans:read",
        "payments:read",
        "payments:write",
        "payments:reconcile",
        "payments:reverse",
        "actions:write",
        "assignments:write",
        "agents:manage",
        "users:manage",
        "audit:read",
        "sync:run",
    }
    assert set(DEFAULT_ROLE_PERMISSIONS) == set(GROUPS.values())


def test_group_mapping_with_unknown_role_is_caught() -> None:
    assert unknown_roles(GROUPS) == frozenset()
    assert unknown_roles({**GROUPS, "CRM-Oops": "ADMINS"}) == {"ADMINS"}
