"""Users mirrored from Active Directory, and the roles they hold."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence

import asyncpg

from persistence.auth_records import (
    DIRECTORY,
    MANUAL,
    AssignedRole,
    DirectorySync,
    PoolStore,
    RoleInfo,
    StoredUser,
)

USER_COLUMNS = (
    "id, username, upn, display_name, email, department, enabled, directory_groups, source, "
    "last_login_at, synced_at, created_at, updated_at"
)
# The profile fields AD owns: a change in any of them makes the sync a USER_UPDATED.
PROFILE = ("upn", "display_name", "email", "department", "enabled", "directory_groups")


class UnknownRoleError(LookupError):
    """A role name that is not in auth.role (a mapping or request naming a missing role)."""


class UserStore(PoolStore):
    """Users and role assignments; a user's permissions are the union of their roles' grants."""

    async def upsert_directory_user(
        self,
        *,
        username: str,
        upn: str | None,
        display_name: str | None,
        email: str | None,
        department: str | None,
        enabled: bool,
        groups: Sequence[str],
        role_names: Iterable[str],
        now: dt.datetime,
        login: bool = False,
    ) -> DirectorySync:
        """Insert or update a user from AD and make their DIRECTORY roles exactly `role_names`."""
        username = username.lower()
        wanted = sorted(set(role_names))
        profile = (upn, display_name, email, department, enabled, list(groups))
        async with self._pool.acquire() as conn, conn.transaction():
            # The row lock serializes a login and the scheduled sync of the same user.
            old = await conn.fetchrow(
                f"SELECT {', '.join(PROFILE)} FROM auth.user WHERE username = $1 FOR UPDATE",
                username,
            )
            changed = old is None or tuple(old[name] for name in PROFILE) != profile
            # xmax = 0 only on a freshly inserted row: tells created from updated even when a
            # concurrent first login inserted the row after our SELECT.
            row = await conn.fetchrow(
                "INSERT INTO auth.user (username, upn, display_name, email, department, enabled,"
                " directory_groups, source, last_login_at, synced_at, created_at, updated_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, 'AD', $8, $9, $9, $9)"
                " ON CONFLICT (username) DO UPDATE SET upn = EXCLUDED.upn,"
                " display_name = EXCLUDED.display_name, email = EXCLUDED.email,"
                " department = EXCLUDED.department, enabled = EXCLUDED.enabled,"
                " directory_groups = EXCLUDED.directory_groups, synced_at = EXCLUDED.synced_at,"
                " last_login_at = COALESCE(EXCLUDED.last_login_at, auth.user.last_login_at),"
                " updated_at = CASE WHEN $10 THEN EXCLUDED.updated_at"
                " ELSE auth.user.updated_at END"
                " RETURNING id, xmax = 0 AS created",
                username,
                *profile,
                now if login else None,
                now,
                changed,
            )
            user_id: uuid.UUID = row["id"]
            added, removed = await self._sync_directory_roles(conn, user_id, wanted, now)
            (user,) = await _hydrate(conn, [await _user_row(conn, user_id)])
        return DirectorySync(
            user, row["created"], changed or bool(added or removed), added, removed
        )

    async def _sync_directory_roles(
        self, conn: asyncpg.Connection, user_id: uuid.UUID, wanted: list[str], now: dt.datetime
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        await _require_roles(conn, wanted)
        removed = await conn.fetch(
            "DELETE FROM auth.user_role ur USING auth.role r WHERE r.id = ur.role_id"
            " AND ur.user_id = $1 AND ur.source = $2 AND NOT r.name = ANY($3::text[])"
            " RETURNING r.name",
            user_id,
            DIRECTORY,
            wanted,
        )
        # A role the user already holds MANUAL stays MANUAL: an admin's grant outlives the group.
        added = await conn.fetch(
            "WITH ins AS (INSERT INTO auth.user_role (user_id, role_id, source, assigned_at)"
            " SELECT $1, id, $2, $4 FROM auth.role WHERE name = ANY($3::text[])"
            " ON CONFLICT (user_id, role_id) DO NOTHING RETURNING role_id)"
            " SELECT r.name FROM ins JOIN auth.role r ON r.id = ins.role_id",
            user_id,
            DIRECTORY,
            wanted,
            now,
        )
        return tuple(sorted(r["name"] for r in added)), tuple(sorted(r["name"] for r in removed))

    async def get_user(self, user_id: uuid.UUID) -> StoredUser | None:
        """Return the user with roles and permissions, or None."""
        async with self._pool.acquire() as conn:
            row = await _user_row(conn, user_id)
            return None if row is None else (await _hydrate(conn, [row]))[0]

    async def find_user_by_username(self, username: str) -> StoredUser | None:
        """Return the user with this sAMAccountName (any case), or None."""
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(
                f"SELECT {USER_COLUMNS} FROM auth.user WHERE username = $1", username.lower()
            )
            return None if row is None else (await _hydrate(conn, [row]))[0]

    async def list_users(
        self,
        role: str | None = None,
        enabled: bool | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> list[StoredUser]:
        """Return a page of users ordered by username, continuing after `after`."""
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(
                f"SELECT {USER_COLUMNS} FROM auth.user u"
                " WHERE ($1::text IS NULL OR EXISTS (SELECT 1 FROM auth.user_role ur"
                " JOIN auth.role r ON r.id = ur.role_id WHERE ur.user_id = u.id AND r.name = $1))"
                " AND ($2::bool IS NULL OR u.enabled = $2)"
                " AND ($3::text IS NULL OR u.username > $3)"
                " ORDER BY u.username LIMIT $4",
                role,
                enabled,
                after,
                limit,
            )
            return await _hydrate(conn, rows)

    async def list_roles(self) -> list[RoleInfo]:
        """Return every role with its permissions."""
        async with self._pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT r.id, r.name, r.description,"
                " array_remove(array_agg(rp.permission ORDER BY rp.permission), NULL) AS perms"
                " FROM auth.role r LEFT JOIN auth.role_permission rp ON rp.role_id = r.id"
                " GROUP BY r.id ORDER BY r.id"
            )
        return [RoleInfo(r["id"], r["name"], r["description"], tuple(r["perms"])) for r in rows]

    async def role_permissions(self, role_name: str) -> tuple[str, ...]:
        """Return the permissions granted to a role; UnknownRoleError if there is no such role."""
        for role in await self.list_roles():
            if role.name == role_name:
                return role.permissions
        raise UnknownRoleError(role_name)

    async def assign_role(
        self, user_id: uuid.UUID, role_name: str, by: str, now: dt.datetime
    ) -> bool:
        """Grant a role MANUAL (taking over a DIRECTORY one); False if already MANUAL."""
        async with self._pool.acquire() as conn, conn.transaction():
            await _require_roles(conn, [role_name])
            row = await conn.fetchrow(
                "INSERT INTO auth.user_role (user_id, role_id, source, assigned_by, assigned_at)"
                " SELECT $1, id, $2, $3, $4 FROM auth.role WHERE name = $5"
                " ON CONFLICT (user_id, role_id) DO UPDATE SET source = EXCLUDED.source,"
                " assigned_by = EXCLUDED.assigned_by, assigned_at = EXCLUDED.assigned_at"
                " WHERE auth.user_role.source <> EXCLUDED.source RETURNING 1",
                user_id,
                MANUAL,
                by,
                now,
                role_name,
            )
        return row is not None

    async def remove_role(self, user_id: uuid.UUID, role_name: str) -> bool:
        """Take a role away, whatever its source; False if the user did not hold it.

        A DIRECTORY role removed here comes back at the user's next login or sync while
        they are still in the AD group: remove them from the group to make it stick.
        """
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(
                "DELETE FROM auth.user_role ur USING auth.role r"
                " WHERE r.id = ur.role_id AND ur.user_id = $1 AND r.name = $2 RETURNING 1",
                user_id,
                role_name,
            )
        return row is not None


async def _require_roles(conn: asyncpg.Connection, names: Sequence[str]) -> None:
    known = await conn.fetch("SELECT name FROM auth.role WHERE name = ANY($1::text[])", names)
    missing = set(names) - {r["name"] for r in known}
    if missing:
        raise UnknownRoleError(", ".join(sorted(missing)))


async def _user_row(conn: asyncpg.Connection, user_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {USER_COLUMNS} FROM auth.user WHERE id = $1", user_id)


async def _hydrate(conn: asyncpg.Connection, rows: Sequence[asyncpg.Record]) -> list[StoredUser]:
    """Attach roles and permissions to user rows, in two queries whatever the page size."""
    ids = [row["id"] for row in rows]
    roles: dict[uuid.UUID, list[AssignedRole]] = {i: [] for i in ids}
    for r in await conn.fetch(
        "SELECT ur.user_id, r.name, ur.source, ur.assigned_by, ur.assigned_at"
        " FROM auth.user_role ur JOIN auth.role r ON r.id = ur.role_id"
        " WHERE ur.user_id = ANY($1::uuid[]) ORDER BY r.name",
        ids,
    ):
        roles[r["user_id"]].append(
            AssignedRole(r["name"], r["source"], r["assigned_by"], r["assigned_at"])
        )
    permissions: dict[uuid.UUID, set[str]] = {i: set() for i in ids}
    for r in await conn.fetch(
        "SELECT DISTINCT ur.user_id, rp.permission FROM auth.user_role ur"
        " JOIN auth.role_permission rp ON rp.role_id = ur.role_id"
        " WHERE ur.user_id = ANY($1::uuid[])",
        ids,
    ):
        permissions[r["user_id"]].add(r["permission"])
    return [
        StoredUser(
            **{key: row[key] for key in row.keys() if key != "directory_groups"},
            directory_groups=tuple(row["directory_groups"]),
            roles=tuple(roles[row["id"]]),
            permissions=frozenset(permissions[row["id"]]),
        )
        for row in rows
    ]
