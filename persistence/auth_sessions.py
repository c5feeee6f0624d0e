"""Login sessions and the refresh tokens that extend them."""

from __future__ import annotations

import datetime as dt
import uuid

from persistence.auth_records import NewSession, PoolStore, RefreshUse, SessionRecord, session_of

SESSION_COLUMNS = (
    "s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at, s.ended_at, s.end_reason,"
    " s.ip_address, s.user_agent, s.device"
)
# The end_reason of sessions ended to make room for a newer login.
SESSION_LIMIT = "SESSION_LIMIT"


class UnknownUserError(LookupError):
    """A user id that is not in auth.user."""


class SessionStore(PoolStore):
    """Sessions (absolute expiry here; idle expiry is the service's rule on last_seen_at)."""

    async def create_session(
        self,
        user_id: uuid.UUID,
        *,
        ip: str | None,
        user_agent: str | None,
        device: str | None,
        now: dt.datetime,
        absolute_expiry: dt.datetime,
        max_active: int | None = None,
    ) -> NewSession:
        """Open a session, first ending the oldest ones beyond `max_active - 1`."""
        async with self._pool.acquire() as conn, conn.transaction():
            # Locking the user serializes their logins: two at once cannot both see room left.
            if not await conn.fetchval("SELECT 1 FROM auth.user WHERE id = $1 FOR UPDATE", user_id):
                raise UnknownUserError(str(user_id))
            ended: list[uuid.UUID] = []
            if max_active is not None:
                live = await conn.fetch(
                    "SELECT id FROM auth.session WHERE user_id = $1 AND ended_at IS NULL"
                    " AND expires_at > $2 ORDER BY created_at, id",
                    user_id,
                    now,
                )
                ended = [r["id"] for r in live[: max(0, len(live) - max_active + 1)]]
                await conn.execute(
                    "UPDATE auth.session SET ended_at = $2, end_reason = $3"
                    " WHERE id = ANY($1::uuid[])",
                    ended,
                    now,
                    SESSION_LIMIT,
                )
            session_id: uuid.UUID = await conn.fetchval(
                "INSERT INTO auth.session (user_id, created_at, last_seen_at, expires_at,"
                " ip_address, user_agent, device) VALUES ($1, $2, $2, $3, $4, $5, $6)"
                " RETURNING id",
                user_id,
                now,
                absolute_expiry,
                ip,
                user_agent,
                device,
            )
        return NewSession(session_id, tuple(ended))

    async def touch_session(self, session_id: uuid.UUID, now: dt.datetime) -> bool:
        """Record activity on a live session; False if it is ended or past its expiry."""
        status = await self._pool.execute(
            "UPDATE auth.session SET last_seen_at = GREATEST(last_seen_at, $2)"
            " WHERE id = $1 AND ended_at IS NULL AND expires_at > $2",
            session_id,
            now,
        )
        return bool(status == "UPDATE 1")

    async def get_session(self, session_id: uuid.UUID) -> SessionRecord | None:
        row = await self._pool.fetchrow(
            f"SELECT {SESSION_COLUMNS} FROM auth.session s WHERE s.id = $1", session_id
        )
        return None if row is None else session_of(row)

    async def list_sessions(
        self, user_id: uuid.UUID, *, now: dt.datetime, active_only: bool = True
    ) -> list[SessionRecord]:
        """Return a user's sessions, newest first; only live ones unless told otherwise."""
        rows = await self._pool.fetch(
            f"SELECT {SESSION_COLUMNS} FROM auth.session s WHERE s.user_id = $1"
            " AND (NOT $2 OR (s.ended_at IS NULL AND s.expires_at > $3))"
            " ORDER BY s.created_at DESC, s.id DESC",
            user_id,
            active_only,
            now,
        )
        return [session_of(row) for row in rows]

    async def active_sessions(self, user_id: uuid.UUID, *, now: dt.datetime) -> list[SessionRecord]:
        """Return a user's live sessions, oldest first (the order they are ended in)."""
        return list(reversed(await self.list_sessions(user_id, now=now)))

    async def end_session(self, session_id: uuid.UUID, reason: str, now: dt.datetime) -> bool:
        """End a session; False if it was already ended (the first reason is kept)."""
        status = await self._pool.execute(
            "UPDATE auth.session SET ended_at = $2, end_reason = $3"
            " WHERE id = $1 AND ended_at IS NULL",
            session_id,
            now,
            reason,
        )
        return bool(status == "UPDATE 1")

    async def end_user_sessions(
        self, user_id: uuid.UUID, reason: str, now: dt.datetime
    ) -> list[uuid.UUID]:
        """End every open session of a user (disabled in AD, or ended by an admin)."""
        rows = await self._pool.fetch(
            "UPDATE auth.session SET ended_at = $2, end_reason = $3"
            " WHERE user_id = $1 AND ended_at IS NULL RETURNING id",
            user_id,
            now,
            reason,
        )
        return [row["id"] for row in rows]

    async def store_refresh_token(
        self,
        token_hash: str,
        session_id: uuid.UUID,
        issued_at: dt.datetime,
        expires_at: dt.datetime,
    ) -> None:
        """Store the hash of a newly issued refresh token (never the token itself)."""
        await self._pool.execute(
            "INSERT INTO auth.refresh_token (token_hash, session_id, issued_at, expires_at)"
            " VALUES ($1, $2, $3, $4)",
            token_hash,
            session_id,
            issued_at,
            expires_at,
        )

    async def use_refresh_token(self, token_hash: str, now: dt.datetime) -> RefreshUse | None:
        """Spend a refresh token: mark it used if unused and return it with its session.

        The caller refuses the refresh unless `reused` is False and the token and session
        are live; `reused` True means theft, and the caller ends the session.
        """
        async with self._pool.acquire() as conn, conn.transaction():
            # Locks, token first then session: of two concurrent uses the second waits here
            # and then reads used_at as the first one committed it.
            token = await conn.fetchrow(
                "SELECT session_id, issued_at, expires_at, used_at, replaced_by"
                " FROM auth.refresh_token WHERE token_hash = $1 FOR UPDATE",
                token_hash,
            )
            if token is None:
                return None
            session = await conn.fetchrow(
                f"SELECT {SESSION_COLUMNS} FROM auth.session s WHERE s.id = $1 FOR UPDATE",
                token["session_id"],
            )
            if token["used_at"] is None:
                await conn.execute(
                    "UPDATE auth.refresh_token SET used_at = $2 WHERE token_hash = $1",
                    token_hash,
                    now,
                )
        return RefreshUse(
            token_hash=token_hash,
            issued_at=token["issued_at"],
            expires_at=token["expires_at"],
            previously_used_at=token["used_at"],
            replaced_by=token["replaced_by"],
            session=session_of(session),
        )

    async def replace_refresh_token(
        self, old_hash: str, new_hash: str, issued_at: dt.datetime, expires_at: dt.datetime
    ) -> bool:
        """Store the successor of a spent token in the same session; False if already replaced."""
        async with self._pool.acquire() as conn, conn.transaction():
            session_id = await conn.fetchval(
                "UPDATE auth.refresh_token SET replaced_by = $2,"
                " used_at = COALESCE(used_at, $3)"
                " WHERE token_hash = $1 AND replaced_by IS NULL RETURNING session_id",
                old_hash,
                new_hash,
                issued_at,
            )
            if session_id is None:
                return False
            await conn.execute(
                "INSERT INTO auth.refresh_token (token_hash, session_id, issued_at, expires_at)"
                " VALUES ($1, $2, $3, $4)",
                new_hash,
                session_id,
                issued_at,
                expires_at,
            )
        return True
