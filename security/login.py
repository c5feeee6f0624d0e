"""Login, refresh and logout: the auth service's use cases over AD, PostgreSQL and tokens.

Every refusal looks the same to the caller (LoginRefused carries the exact reason for the
audit only), and every outcome is recorded as an auth event and an audit row.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from crm.settings import Settings
from domain.auth import (
    Lockout,
    RefreshDecision,
    SessionPolicy,
    decide_refresh,
    roles_for_groups,
)
from integrations.ad_accounts import account_name
from integrations.directory import AuthFailure, Directory, FailureReason
from persistence.auth_records import StoredUser
from persistence.auth_store import AuthStore
from security.accounts import store_account
from security.audit_trail import AuditTrail
from security.refresh import hash_refresh_token, is_well_formed, new_refresh_token
from security.tokens import IssuedToken, TokenIssuer
from streams.auth_events import AuthEvent

log = logging.getLogger(__name__)


class DirectoryDown(Exception):
    """Active Directory could not be asked; the caller should retry later (503)."""


class LoginRefused(Exception):
    """Authentication failed; `reason` is for the audit log, never for the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Client:
    ip: str | None
    user_agent: str | None
    # A client-chosen device label (X-Device-Id), shown in the session list.
    device: str | None = None


@dataclass(frozen=True)
class Grant:
    access: IssuedToken
    refresh_token: str
    session_id: uuid.UUID
    user: StoredUser


class LoginService:
    def __init__(
        self,
        settings: Settings,
        store: AuthStore,
        directory: Directory,
        issuer: TokenIssuer,
        trail: AuditTrail,
        revoke: Callable[[uuid.UUID, uuid.UUID | None, datetime, str], Awaitable[None]],
    ) -> None:
        self._settings = settings
        self._store = store
        self._directory = directory
        self._issuer = issuer
        self._trail = trail
        self._revoke = revoke
        self._lockout = Lockout(
            threshold=settings.lockout_threshold,
            window=timedelta(minutes=settings.lockout_window_minutes),
            duration=timedelta(minutes=settings.lockout_minutes),
        )
        self.sessions = SessionPolicy(
            idle=timedelta(minutes=settings.session_idle_minutes),
            absolute=timedelta(hours=settings.session_absolute_hours),
            max_sessions=settings.max_sessions_per_user,
        )

    async def login(self, username: str, password: str, client: Client, now: datetime) -> Grant:
        # Lockout counts per account, whichever form (UPN, DOMAIN\\user) the attempt used.
        s = self._settings
        canonical = account_name(username, s.ad_realm, s.ad_domain)
        if canonical is None:
            # Not a possible account name (injection attempts, NUL, …): nothing to look up or
            # lock; recorded escaped, since PostgreSQL text cannot even hold a NUL.
            printable = username.encode("unicode_escape").decode("ascii")[:100]
            await self._refuse(printable, "INVALID_USERNAME", client, now)
        name = canonical.lower()
        locked_until = await self._store.locked_until(name, now)
        if locked_until is not None:
            await self._refuse(name, "ACCOUNT_LOCKED", client, now)
        try:
            account = await self._directory.authenticate(username, password)
        except AuthFailure as failure:
            if failure.reason is FailureReason.DIRECTORY_UNAVAILABLE:
                # Our outage, not the user's mistake: it must not count toward a lockout.
                await self._trail.record(
                    AuthEvent(
                        "LOGIN_FAILED",
                        username=name,
                        ip_address=client.ip,
                        reason=failure.reason.value,
                        occurred_at=now,
                    )
                )
                raise DirectoryDown() from failure
            await self._failed(name, failure.reason.value, client, now)
        roles = roles_for_groups(account.groups, self._settings.group_roles)
        synced = await store_account(self._store, account, roles, now, login=True)
        await self._trail.user_synced(synced, client, now)
        if not roles:
            await self._failed(name, "NO_CRM_ROLE", client, now)
        await self._store.clear_failures(name)
        return await self._open_session(synced.user, client, now)

    async def _open_session(self, user: StoredUser, client: Client, now: datetime) -> Grant:
        opened = await self._store.create_session(
            user.id,
            ip=client.ip,
            user_agent=client.user_agent,
            device=client.device,
            now=now,
            absolute_expiry=now + self.sessions.absolute,
            max_active=self.sessions.max_sessions,
        )
        for ended in opened.ended:
            await self._revoke(ended, user.id, now, "SESSION_LIMIT")
        grant = await self._grant(user, opened.id, now)
        await self._trail.record(
            AuthEvent(
                "LOGIN_SUCCESS",
                username=user.username,
                user_id=str(user.id),
                session_id=str(opened.id),
                ip_address=client.ip,
                user_agent=client.user_agent,
                occurred_at=now,
            )
        )
        return grant

    async def _grant(self, user: StoredUser, session_id: uuid.UUID, now: datetime) -> Grant:
        access = self._issuer.issue(
            subject=str(user.id),
            session_id=str(session_id),
            roles=sorted(user.role_names),
            permissions=sorted(user.permissions),
            now=now,
        )
        refresh, digest = new_refresh_token()
        expires = now + self.sessions.absolute
        await self._store.store_refresh_token(digest, session_id, now, expires)
        return Grant(access, refresh, session_id, user)

    async def refresh(self, token: str, client: Client, now: datetime) -> Grant:
        if not is_well_formed(token):
            raise LoginRefused("MALFORMED_REFRESH_TOKEN")
        use = await self._store.use_refresh_token(hash_refresh_token(token), now)
        if use is None:
            raise LoginRefused("UNKNOWN_REFRESH_TOKEN")
        session = use.session
        decision = decide_refresh(
            token_used_at=use.previously_used_at,
            token_expires_at=use.expires_at,
            session_ended_at=session.ended_at,
            session_expiry_reason=self.sessions.expired(
                session.created_at, session.last_seen_at, now
            ),
            now=now,
        )
        user = await self._store.get_user(session.user_id)
        event = AuthEvent(
            decision.value,
            user_id=str(session.user_id),
            username=user.username if user else None,
            session_id=str(session.id),
            ip_address=client.ip,
            user_agent=client.user_agent,
            occurred_at=now,
        )
        if decision is RefreshDecision.REUSED:
            # Theft evidence: end the whole session, on every service, now.
            await self.end_session(session.id, session.user_id, now, "TOKEN_REUSED")
            await self._trail.record(_as(event, "TOKEN_REUSED", "refresh token presented twice"))
            raise LoginRefused("TOKEN_REUSED")
        if decision is not RefreshDecision.ROTATE or user is None or not user.enabled:
            raise LoginRefused(decision.value if user else "UNKNOWN_USER")
        await self._store.touch_session(session.id, now)
        access = self._issuer.issue(
            subject=str(user.id),
            session_id=str(session.id),
            roles=sorted(user.role_names),
            permissions=sorted(user.permissions),
            now=now,
        )
        refresh, digest = new_refresh_token()
        replaced = await self._store.replace_refresh_token(
            use.token_hash, digest, now, now + self.sessions.absolute
        )
        if not replaced:
            raise LoginRefused("TOKEN_REUSED")
        await self._trail.record(_as(event, "TOKEN_REFRESHED", None))
        return Grant(access, refresh, session.id, user)

    async def end_session(
        self, session_id: uuid.UUID, user_id: uuid.UUID | None, now: datetime, reason: str
    ) -> bool:
        """End a session in PostgreSQL, then tell every service to refuse its tokens."""
        ended = await self._store.end_session(session_id, reason, now)
        await self._revoke(session_id, user_id, now, reason)
        return ended

    async def _failed(self, name: str, reason: str, client: Client, now: datetime) -> NoReturn:
        await self._store.record_failure(name, client.ip, reason, now)
        locked = await self._store.locked_until(name, now)
        since = self._lockout.counting_since(locked, now)
        status = self._lockout.status(await self._store.failures_since(name, since), locked, now)
        if status.newly_locked and status.until is not None:
            await self._store.lock(name, status.until, now)
            await self._trail.record(
                AuthEvent(
                    "ACCOUNT_LOCKED",
                    username=name,
                    ip_address=client.ip,
                    reason=f"{self._lockout.threshold} failed logins",
                    occurred_at=now,
                )
            )
        await self._refuse(name, reason, client, now)

    async def _refuse(self, name: str, reason: str, client: Client, now: datetime) -> NoReturn:
        await self._trail.record(
            AuthEvent(
                "LOGIN_FAILED",
                username=name,
                ip_address=client.ip,
                user_agent=client.user_agent,
                reason=reason,
                occurred_at=now,
            )
        )
        raise LoginRefused(reason)


def _as(event: AuthEvent, event_type: str, reason: str | None) -> AuthEvent:
    return AuthEvent(
        event_type,
        username=event.username,
        user_id=event.user_id,
        session_id=event.session_id,
        ip_address=event.ip_address,
        user_agent=event.user_agent,
        reason=reason,
        occurred_at=event.occurred_at,
    )
