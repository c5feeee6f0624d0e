"""Tables of the auth service (schemas auth, audit)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    SmallInteger,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import INET
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base

AUTH = {"schema": "auth"}


class User(Base):
    """A person (or service account) known to the CRM, mirrored from Active Directory."""

    __tablename__ = "user"
    __table_args__ = (
        UniqueConstraint("username"),
        # sAMAccountName is case-insensitive in AD; storing it lowercased keeps one row per
        # person without the citext extension.
        CheckConstraint("username = lower(username)", name="username_lowercase"),
        AUTH,
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()")
    )
    username: Mapped[str]
    upn: Mapped[str | None]
    display_name: Mapped[str | None]
    email: Mapped[str | None]
    department: Mapped[str | None]
    enabled: Mapped[bool]
    directory_groups: Mapped[list[str]] = mapped_column(
        ARRAY(Text), server_default=text("'{}'::text[]")
    )
    source: Mapped[str] = mapped_column(server_default=text("'AD'::text"))
    last_login_at: Mapped[dt.datetime | None]
    synced_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class Role(Base):
    """A named set of permissions (AGENT, SUPERVISOR, ...)."""

    __tablename__ = "role"
    __table_args__ = (UniqueConstraint("name"), AUTH)

    id: Mapped[int] = mapped_column(SmallInteger, Identity(), primary_key=True)
    name: Mapped[str]
    description: Mapped[str]


class Permission(Base):
    """A permission string a view declares, such as `customers:read`."""

    __tablename__ = "permission"
    __table_args__ = (AUTH,)

    name: Mapped[str] = mapped_column(primary_key=True)
    description: Mapped[str]


class RolePermission(Base):
    """A grant of one permission to one role."""

    __tablename__ = "role_permission"
    __table_args__ = (AUTH,)

    role_id: Mapped[int] = mapped_column(
        SmallInteger, ForeignKey("auth.role.id", ondelete="CASCADE"), primary_key=True
    )
    permission: Mapped[str] = mapped_column(
        ForeignKey("auth.permission.name", ondelete="CASCADE"), primary_key=True
    )


class UserRole(Base):
    """A role held by a user: from an AD group (DIRECTORY) or granted by an admin (MANUAL)."""

    __tablename__ = "user_role"
    __table_args__ = (
        CheckConstraint("source IN ('DIRECTORY', 'MANUAL')", name="source"),
        # Serves "users having role X" (GET /api/users?role=).
        Index(None, "role_id"),
        AUTH,
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("auth.user.id", ondelete="CASCADE"), primary_key=True
    )
    role_id: Mapped[int] = mapped_column(
        SmallInteger, ForeignKey("auth.role.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str]
    # The admin's username; NULL when the directory sync assigned the role.
    assigned_by: Mapped[str | None]
    assigned_at: Mapped[dt.datetime]


class LoginSession(Base):
    """A login on one device; its refresh tokens and access tokens die with it."""

    __tablename__ = "session"
    __table_args__ = (
        # An ended session always says why, and only an ended one does.
        CheckConstraint("(ended_at IS NULL) = (end_reason IS NULL)", name="ended_with_reason"),
        Index(None, "user_id", "created_at"),
        AUTH,
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("auth.user.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]
    # Absolute expiry; idle expiry is last_seen_at plus the configured idle time.
    expires_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
    end_reason: Mapped[str | None]
    ip_address: Mapped[str | None] = mapped_column(INET)
    user_agent: Mapped[str | None]
    device: Mapped[str | None]


class RefreshToken(Base):
    """A refresh token, stored only as its hash; used once, then replaced."""

    __tablename__ = "refresh_token"
    __table_args__ = (Index(None, "session_id"), AUTH)

    token_hash: Mapped[str] = mapped_column(primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("auth.session.id", ondelete="CASCADE"))
    issued_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    # No foreign key: purging old tokens must not be blocked by the chain that follows them.
    replaced_by: Mapped[str | None]


class TokenBlacklist(Base):
    """The durable record of a revoked access token, kept until the token would expire anyway."""

    __tablename__ = "token_blacklist"
    __table_args__ = (
        Index(None, "revoked_at"),
        Index(None, "expires_at"),
        AUTH,
    )

    jti: Mapped[str] = mapped_column(primary_key=True)
    # No foreign keys: a revocation must outlive the session and user rows it names.
    session_id: Mapped[uuid.UUID | None]
    user_id: Mapped[uuid.UUID | None]
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime]
    reason: Mapped[str]


class LoginFailure(Base):
    """One failed login attempt, counted against the lockout window."""

    __tablename__ = "login_failure"
    __table_args__ = (Index(None, "username", "occurred_at"), AUTH)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # What was typed (lowercased), whether or not such a user exists.
    username: Mapped[str]
    occurred_at: Mapped[dt.datetime]
    ip_address: Mapped[str | None] = mapped_column(INET)
    reason: Mapped[str]


class Lockout(Base):
    """An account locked after too many failures, until a time."""

    __tablename__ = "lockout"
    __table_args__ = (AUTH,)

    username: Mapped[str] = mapped_column(primary_key=True)
    locked_until: Mapped[dt.datetime]
    locked_at: Mapped[dt.datetime]


class AuditLog(Base):
    """Who did what to which resource; append-only, a trigger refuses UPDATE and DELETE."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index(None, "occurred_at"),
        Index(None, "actor", "occurred_at"),
        Index(None, "resource_type", "resource_id"),
        Index(None, "action", "occurred_at"),
        Index(None, "customer_cif", "occurred_at"),
        {"schema": "audit"},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    occurred_at: Mapped[dt.datetime]
    actor: Mapped[str]
    action: Mapped[str]
    resource_type: Mapped[str]
    resource_id: Mapped[str | None]
    outcome: Mapped[str]
    details: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    request_id: Mapped[str | None]
    # Added by auth_0002, nullable so rows written before it (and old code) stay valid.
    customer_cif: Mapped[str | None]
    ip_address: Mapped[str | None] = mapped_column(INET)
    service: Mapped[str | None]
    # The AuthEvent's id (auth_0003): the same event written twice (by the auth service while
    # answering, and by the agent that audits every service's auth.events) is one row.
    event_id: Mapped[str | None] = mapped_column(unique=True)
