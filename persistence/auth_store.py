"""The auth service's persistence: one object over the asyncpg pool, one part per concept.

Each part lives in its own module (auth_users, auth_sessions, auth_revocations, auth_audit);
this class only puts them together so the service holds a single store. Every time is
passed in by the caller (`now`), so tests and the service share one clock.
"""

from __future__ import annotations

from persistence.auth_audit import AuditStore
from persistence.auth_records import (
    AssignedRole,
    AuditCursor,
    AuditEntry,
    DirectorySync,
    NewSession,
    RefreshUse,
    Revocation,
    RoleInfo,
    SessionRecord,
    StoredUser,
)
from persistence.auth_revocations import LockoutStore, RevocationStore
from persistence.auth_sessions import SessionStore, UnknownUserError
from persistence.auth_users import UnknownRoleError, UserStore

__all__ = [
    "AssignedRole",
    "AuditCursor",
    "AuditEntry",
    "AuthStore",
    "DirectorySync",
    "NewSession",
    "RefreshUse",
    "Revocation",
    "RoleInfo",
    "SessionRecord",
    "StoredUser",
    "UnknownRoleError",
    "UnknownUserError",
]


class AuthStore(UserStore, SessionStore, RevocationStore, LockoutStore, AuditStore):
    """Users and roles, sessions and refresh tokens, revocations, lockouts and the audit log."""
