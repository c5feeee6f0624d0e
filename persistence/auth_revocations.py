"""The durable record of revoked access tokens, and failed logins with their lockouts."""

from __future__ import annotations

import datetime as dt
import uuid

from persistence.auth_records import PoolStore, Revocation


def _deleted(status: str) -> int:
    """Row count of a `DELETE n` command status."""
    return int(status.rsplit(" ", 1)[-1])


class RevocationStore(PoolStore):
    """token_blacklist: the in-memory revocation view of every service is rebuilt from it."""

    async def blacklist(
        self,
        jti: str,
        session_id: uuid.UUID | None,
        user_id: uuid.UUID | None,
        expires_at: dt.datetime,
        reason: str,
        now: dt.datetime,
    ) -> bool:
        """Record a revocation; False if the token was already revoked (first reason kept)."""
        row = await self._pool.fetchrow(
            "INSERT INTO auth.token_blacklist (jti, session_id, user_id, expires_at, revoked_at,"
            " reason) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (jti) DO NOTHING RETURNING 1",
            jti,
            session_id,
            user_id,
            expires_at,
            now,
            reason,
        )
        return row is not None

    async def blacklisted_since(
        self, since: dt.datetime, *, unexpired_at: dt.datetime | None = None
    ) -> list[Revocation]:
        """Return revocations made at or after `since`, oldest first, optionally still live."""
        rows = await self._pool.fetch(
            "SELECT jti, session_id, user_id, expires_at, revoked_at, reason"
            " FROM auth.token_blacklist WHERE revoked_at >= $1"
            " AND ($2::timestamptz IS NULL OR expires_at > $2) ORDER BY revoked_at, jti",
            since,
            unexpired_at,
        )
        return [Revocation(**dict(row)) for row in rows]

    async def purge_expired_blacklist(self, now: dt.datetime) -> int:
        """Delete revocations of tokens that have expired anyway; return how many."""
        status = await self._pool.execute(
            "DELETE FROM auth.token_blacklist WHERE expires_at <= $1", now
        )
        return _deleted(status)


class LockoutStore(PoolStore):
    """Failed logins and lockouts, keyed by the lowercased name typed, existing user or not."""

    async def record_failure(
        self, username: str, ip: str | None, reason: str, now: dt.datetime
    ) -> None:
        await self._pool.execute(
            "INSERT INTO auth.login_failure (username, occurred_at, ip_address, reason)"
            " VALUES ($1, $2, $3, $4)",
            username.lower(),
            now,
            ip,
            reason,
        )

    async def failures_since(self, username: str, since: dt.datetime) -> list[dt.datetime]:
        """Return when the name failed to log in at or after `since`, oldest first."""
        rows = await self._pool.fetch(
            "SELECT occurred_at FROM auth.login_failure WHERE username = $1"
            " AND occurred_at >= $2 ORDER BY occurred_at",
            username.lower(),
            since,
        )
        return [row["occurred_at"] for row in rows]

    async def clear_failures(self, username: str) -> int:
        """Forget the name's failures after a successful login (the audit log keeps them)."""
        status = await self._pool.execute(
            "DELETE FROM auth.login_failure WHERE username = $1", username.lower()
        )
        return _deleted(status)

    async def purge_failures(self, before: dt.datetime) -> int:
        """Delete failures older than any lockout window still looks at."""
        status = await self._pool.execute(
            "DELETE FROM auth.login_failure WHERE occurred_at < $1", before
        )
        return _deleted(status)

    async def lock(self, username: str, until: dt.datetime, now: dt.datetime) -> dt.datetime:
        """Lock the name until `until`, never shortening a longer lock; return the lock's end."""
        # Two requests crossing the threshold together both lock; the upsert makes that one lock.
        locked_until: dt.datetime = await self._pool.fetchval(
            "INSERT INTO auth.lockout (username, locked_until, locked_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (username) DO UPDATE SET"
            " locked_at = CASE WHEN auth.lockout.locked_until < EXCLUDED.locked_until"
            " THEN EXCLUDED.locked_at ELSE auth.lockout.locked_at END,"
            " locked_until = GREATEST(auth.lockout.locked_until, EXCLUDED.locked_until)"
            " RETURNING locked_until",
            username.lower(),
            until,
            now,
        )
        return locked_until

    async def locked_until(self, username: str, now: dt.datetime) -> dt.datetime | None:
        """Return when the name's lock ends, or None if it is not locked at `now`."""
        value: dt.datetime | None = await self._pool.fetchval(
            "SELECT locked_until FROM auth.lockout WHERE username = $1 AND locked_until > $2",
            username.lower(),
            now,
        )
        return value

    async def unlock(self, username: str) -> bool:
        """Lift a lock early (an admin's decision); False if there was none."""
        status = await self._pool.execute(
            "DELETE FROM auth.lockout WHERE username = $1", username.lower()
        )
        return _deleted(status) > 0
