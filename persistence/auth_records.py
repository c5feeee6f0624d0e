"""Rows the auth store returns: plain frozen values, no connection attached."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, NamedTuple

import asyncpg

DIRECTORY = "DIRECTORY"
MANUAL = "MANUAL"


class PoolStore:
    """Holds the pool every part of the auth store queries through."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool


@dataclass(frozen=True, slots=True)
class AssignedRole:
    name: str
    source: str
    assigned_by: str | None
    assigned_at: dt.datetime


@dataclass(frozen=True, slots=True)
class StoredUser:
    id: uuid.UUID
    username: str
    upn: str | None
    display_name: str | None
    email: str | None
    department: str | None
    enabled: bool
    directory_groups: tuple[str, ...]
    source: str
    last_login_at: dt.datetime | None
    synced_at: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime
    roles: tuple[AssignedRole, ...]
    permissions: frozenset[str]

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(role.name for role in self.roles)


@dataclass(frozen=True, slots=True)
class DirectorySync:
    """Outcome of syncing one AD user: what to audit (USER_CREATED/UPDATED, ROLE_ASSIGNED)."""

    user: StoredUser
    created: bool
    # Any profile field or DIRECTORY role differs from what was stored; False on a no-op sync.
    changed: bool
    roles_added: tuple[str, ...]
    roles_removed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RoleInfo:
    id: int
    name: str
    description: str
    permissions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: uuid.UUID
    user_id: uuid.UUID
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    ended_at: dt.datetime | None
    end_reason: str | None
    ip_address: str | None
    user_agent: str | None
    device: str | None

    def live_at(self, now: dt.datetime) -> bool:
        """Not ended and within its absolute expiry (idle expiry is the service's rule)."""
        return self.ended_at is None and now < self.expires_at


@dataclass(frozen=True, slots=True)
class NewSession:
    id: uuid.UUID
    # Sessions ended (oldest first) to keep the user within the concurrent-session limit.
    ended: tuple[uuid.UUID, ...]


@dataclass(frozen=True, slots=True)
class RefreshUse:
    """A presented refresh token and its session, read under row locks."""

    token_hash: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    # When the token was used before this call; None means this call consumed it.
    previously_used_at: dt.datetime | None
    replaced_by: str | None
    session: SessionRecord

    @property
    def reused(self) -> bool:
        """The token was already spent: a copy is in someone else's hands."""
        return self.previously_used_at is not None


@dataclass(frozen=True, slots=True)
class Revocation:
    jti: str
    session_id: uuid.UUID | None
    user_id: uuid.UUID | None
    expires_at: dt.datetime
    revoked_at: dt.datetime
    reason: str


class AuditCursor(NamedTuple):
    """Sort key of the last entry of a page, newest first."""

    occurred_at: dt.datetime
    id: int


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    occurred_at: dt.datetime
    actor: str
    action: str
    resource_type: str
    resource_id: str | None
    outcome: str
    details: dict[str, Any]
    request_id: str | None
    customer_cif: str | None
    ip_address: str | None
    service: str | None

    @property
    def cursor(self) -> AuditCursor:
        return AuditCursor(self.occurred_at, self.id)


def ip_text(value: object) -> str | None:
    """Render an inet value (asyncpg gives ipaddress objects) as text."""
    return None if value is None else str(value)


def session_of(row: asyncpg.Record) -> SessionRecord:
    return SessionRecord(
        id=row["id"],
        user_id=row["user_id"],
        created_at=row["created_at"],
        last_seen_at=row["last_seen_at"],
        expires_at=row["expires_at"],
        ended_at=row["ended_at"],
        end_reason=row["end_reason"],
        ip_address=ip_text(row["ip_address"]),
        user_agent=row["user_agent"],
        device=row["device"],
    )
