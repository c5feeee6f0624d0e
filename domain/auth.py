"""Authentication rules: lockout, session expiry and limits, refresh rotation, roles."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

# Role → permissions. Each role gets what its daily work needs and nothing more:
# - AGENT works its assigned cases: reads customers, loans and payments, records actions;
#   it never posts payments (money moves only through the gateway or a supervisor).
# - TEAM_LEAD is an agent who also (re)assigns cases within the team.
# - SUPERVISOR adds managing agents, entering and reversing manual payments and reconciling
#   payments with the bank's ledger (a second, accountable person above the agent for
#   anything about balances).
# - ADMIN runs the system: every permission, including user and role management.
# - AUDITOR reads everything an investigation needs, audit log included, and changes nothing.
# - SYSTEM is for integrations (payment gateway, scheduled sync): no personal data reads.
_AGENT = frozenset({"customers:read", "loans:read", "payments:read", "actions:write"})
_TEAM_LEAD = _AGENT | {"assignments:write"}
_SUPERVISOR = _TEAM_LEAD | {
    "agents:manage",
    "payments:write",
    "payments:reverse",
    "payments:reconcile",
}
_AUDITOR = frozenset({"audit:read", "customers:read", "loans:read", "payments:read"})
_SYSTEM = frozenset({"payments:write", "sync:run"})
ALL_PERMISSIONS: frozenset[str] = _SUPERVISOR | _AUDITOR | _SYSTEM | {"users:manage"}

DEFAULT_ROLE_PERMISSIONS: Mapping[str, frozenset[str]] = {
    "AGENT": _AGENT,
    "TEAM_LEAD": _TEAM_LEAD,
    "SUPERVISOR": _SUPERVISOR,
    "ADMIN": ALL_PERMISSIONS,
    "AUDITOR": _AUDITOR,
    "SYSTEM": _SYSTEM,
}


def _aware(*moments: datetime | None) -> None:
    if any(m is not None and m.tzinfo is None for m in moments):
        raise ValueError("times must be timezone-aware")


@dataclass(frozen=True)
class LockStatus:
    locked: bool
    until: datetime | None = None
    # True when this evaluation starts the lock: persist `until` and audit ACCOUNT_LOCKED.
    newly_locked: bool = False


@dataclass(frozen=True)
class Lockout:
    """N failed logins within a window lock the account for a fixed time."""

    threshold: int
    window: timedelta
    duration: timedelta

    def counting_since(self, locked_until: datetime | None, now: datetime) -> datetime:
        """Return the earliest failure time that still counts (for the database query)."""
        start = now - self.window
        return max(start, locked_until) if locked_until is not None else start

    def status(
        self, failures: Iterable[datetime], locked_until: datetime | None, now: datetime
    ) -> LockStatus:
        """Return whether the account is locked now, and until when."""
        _aware(locked_until, now)
        if locked_until is not None and locked_until > now:
            return LockStatus(locked=True, until=locked_until)
        # Failures that caused an earlier lock were paid for by it; they do not lock again.
        since = self.counting_since(locked_until, now)
        recent = [f for f in failures if since < f <= now]
        _aware(*recent)
        if len(recent) < self.threshold:
            return LockStatus(locked=False)
        until = max(recent) + self.duration
        if until <= now:
            return LockStatus(locked=False)
        return LockStatus(locked=True, until=until, newly_locked=True)


class SessionExpiry(StrEnum):
    IDLE = "IDLE"
    ABSOLUTE = "ABSOLUTE"


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session lives and how many one user may hold at once."""

    idle: timedelta
    absolute: timedelta
    max_sessions: int

    def expired(
        self, created_at: datetime, last_seen: datetime, now: datetime
    ) -> SessionExpiry | None:
        """Return why a session has expired, or None while it is alive."""
        _aware(created_at, last_seen, now)
        # Absolute first: no amount of activity extends a session past it.
        if now >= created_at + self.absolute:
            return SessionExpiry.ABSOLUTE
        if now >= last_seen + self.idle:
            return SessionExpiry.IDLE
        return None

    def sessions_to_end(self, active: Sequence[tuple[str, datetime]]) -> list[str]:
        """Return the sessions to end, oldest first, so that one more fits under the maximum."""
        excess = len(active) + 1 - self.max_sessions
        if excess <= 0:
            return []
        # Session id breaks ties so the choice is the same on every run.
        oldest = sorted(active, key=lambda s: (s[1], s[0]))
        return [session_id for session_id, _ in oldest[:excess]]


class RefreshDecision(StrEnum):
    ROTATE = "ROTATE"
    # Someone presented a token already exchanged: one of the two holders is a thief, and we
    # cannot tell which, so the caller revokes the whole session.
    REUSED = "REUSED"
    EXPIRED = "EXPIRED"
    SESSION_ENDED = "SESSION_ENDED"


def decide_refresh(
    *,
    token_used_at: datetime | None,
    token_expires_at: datetime,
    session_ended_at: datetime | None,
    session_expiry_reason: SessionExpiry | None,
    now: datetime,
) -> RefreshDecision:
    """Decide what presenting a known refresh token leads to."""
    _aware(token_used_at, token_expires_at, session_ended_at, now)
    # Reuse is checked first: it is theft evidence whatever else is true, and it is audited.
    if token_used_at is not None:
        return RefreshDecision.REUSED
    if session_ended_at is not None or session_expiry_reason is not None:
        return RefreshDecision.SESSION_ENDED
    if now >= token_expires_at:
        return RefreshDecision.EXPIRED
    return RefreshDecision.ROTATE


def roles_for_groups(groups: Iterable[str], mapping: Mapping[str, str]) -> frozenset[str]:
    """Return the CRM roles of a user's AD groups; groups not in the mapping give nothing."""
    # AD compares names case-insensitively, so `crm-agents` is the same group as `CRM-Agents`.
    by_name = {group.casefold(): role for group, role in mapping.items()}
    return frozenset(by_name[g.casefold()] for g in groups if g.casefold() in by_name)


def permissions_for(
    roles: Iterable[str],
    role_permissions: Mapping[str, frozenset[str]] = DEFAULT_ROLE_PERMISSIONS,
) -> frozenset[str]:
    """Return the union of the roles' permissions; an unknown role grants nothing."""
    granted: set[str] = set()
    for role in roles:
        granted |= role_permissions.get(role, frozenset())
    return frozenset(granted)


def unknown_roles(
    mapping: Mapping[str, str],
    role_permissions: Mapping[str, frozenset[str]] = DEFAULT_ROLE_PERMISSIONS,
) -> frozenset[str]:
    """Return the roles a group mapping names that do not exist (checked at start)."""
    return frozenset(role for role in mapping.values() if role not in role_permissions)
