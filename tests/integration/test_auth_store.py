"""AuthStore against the real PostgreSQL: role sync, refresh races, revocations, audit."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from crm.settings import Settings
from persistence.auth_store import (
    AuditCursor,
    AuthStore,
    DirectorySync,
    NewSession,
    UnknownRoleError,
)
from persistence.db import create_pool
from persistence.migrate import migrate

NOW = dt.datetime(2031, 3, 4, 9, 30, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
HOURS_8 = dt.timedelta(hours=8)

AGENT = {"customers:read", "loans:read", "payments:read", "actions:write", "cases:write"}
TEAM_LEAD = AGENT | {"assignments:write", "agents:read", "promises:approve"}
SUPERVISOR = TEAM_LEAD | {
    "agents:manage",
    "payments:write",
    "payments:reverse",
    "payments:reconcile",
}
ALL = SUPERVISOR | {
    "users:manage",
    "audit:read",
    "sync:run",
    "dictionaries:manage",
    "strategies:manage",
}
GRANTS = {
    "AGENT": AGENT,
    "TEAM_LEAD": TEAM_LEAD,
    "SUPERVISOR": SUPERVISOR,
    "ADMIN": ALL,
    "AUDITOR": {"audit:read", "customers:read", "loans:read", "payments:read", "agents:read"},
    "SYSTEM": {"payments:write", "sync:run"},
}


@pytest.fixture(scope="module")
async def store(settings: Settings) -> AsyncIterator[AuthStore]:
    migrate(settings, ["auth"])
    pool = await create_pool(settings, max_size=10, application_name="test_auth_store")
    yield AuthStore(pool)
    await pool.close()


def unique(prefix: str = "u") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def sync(
    store: AuthStore,
    username: str,
    roles: list[str],
    *,
    now: dt.datetime = NOW,
    enabled: bool = True,
    login: bool = False,
) -> DirectorySync:
    return await store.upsert_directory_user(
        username=username,
        upn=f"{username}@bank.test",
        display_name=username.title(),
        email=f"{username}@bank.test",
        department="Collections",
        enabled=enabled,
        groups=[f"CRM-{role}" for role in roles],
        role_names=roles,
        now=now,
        login=login,
    )


async def test_directory_sync_replaces_directory_roles_and_keeps_manual(store: AuthStore) -> None:
    name = unique()
    first = await sync(store, name.upper(), ["AGENT"], login=True)
    assert (first.created, first.roles_added, first.user.username) == (True, ("AGENT",), name)
    assert first.user.last_login_at == NOW
    assert await store.assign_role(first.user.id, "AUDITOR", "admin", NOW) is True
    assert await store.assign_role(first.user.id, "AUDITOR", "admin", NOW) is False

    later = NOW + MINUTE
    moved = await sync(store, name, ["TEAM_LEAD"], now=later)
    assert (moved.created, moved.changed) == (False, True)
    assert (moved.roles_added, moved.roles_removed) == (("TEAM_LEAD",), ("AGENT",))
    sources = {role.name: role.source for role in moved.user.roles}
    assert sources == {"TEAM_LEAD": "DIRECTORY", "AUDITOR": "MANUAL"}
    assert moved.user.permissions == TEAM_LEAD | GRANTS["AUDITOR"]
    assert (moved.user.updated_at, moved.user.last_login_at) == (later, NOW)

    dropped = await sync(store, name, [], now=later + MINUTE, enabled=False)
    assert dropped.roles_removed == ("TEAM_LEAD",)
    assert dropped.user.role_names == {"AUDITOR"}
    assert dropped.user.enabled is False


async def test_unchanged_sync_is_not_an_update(store: AuthStore) -> None:
    name = unique()
    await sync(store, name, ["AGENT"])
    again = await sync(store, name, ["AGENT"], now=NOW + MINUTE)
    assert (again.created, again.changed) == (False, False)
    assert (again.user.updated_at, again.user.synced_at) == (NOW, NOW + MINUTE)


async def test_unknown_role_rolls_the_whole_sync_back(store: AuthStore) -> None:
    name = unique()
    with pytest.raises(UnknownRoleError, match="NOPE"):
        await sync(store, name, ["AGENT", "NOPE"])
    assert await store.find_user_by_username(name) is None
    with pytest.raises(UnknownRoleError):
        await store.role_permissions("NOPE")


@pytest.mark.parametrize("role", sorted(GRANTS))
async def test_permissions_follow_the_seeded_grants(store: AuthStore, role: str) -> None:
    assert set(await store.role_permissions(role)) == GRANTS[role]
    user = (await sync(store, unique(), [role])).user
    assert user.permissions == GRANTS[role]
    found = await store.get_user(user.id)
    assert found is not None and found.permissions == GRANTS[role]


async def test_roles_are_listed_with_their_permissions(store: AuthStore) -> None:
    roles = {role.name: set(role.permissions) for role in await store.list_roles()}
    assert {name: roles[name] for name in GRANTS} == GRANTS


async def test_users_are_found_filtered_and_paged_by_username(store: AuthStore) -> None:
    prefix = unique("p")
    a = (await sync(store, f"{prefix}-a", ["AGENT"])).user
    b = (await sync(store, f"{prefix}-b", ["AGENT"], enabled=False)).user
    c = (await sync(store, f"{prefix}-c", ["AGENT"])).user
    assert await store.remove_role(c.id, "AGENT") is True
    assert await store.assign_role(c.id, "SYSTEM", "admin", NOW) is True

    found = await store.find_user_by_username(f"{prefix}-A".upper())
    assert found is not None and found.id == a.id
    first = await store.list_users(after=prefix, limit=2)
    assert [u.id for u in first] == [a.id, b.id]
    second = await store.list_users(after=first[-1].username, limit=1)
    assert [u.id for u in second] == [c.id]
    disabled = await store.list_users(enabled=False, after=prefix, limit=1)
    assert [u.id for u in disabled] == [b.id]
    systems = await store.list_users(role="SYSTEM", after=prefix, limit=1)
    assert [(u.id, u.role_names) for u in systems] == [(c.id, {"SYSTEM"})]


async def open_session(
    store: AuthStore, user_id: uuid.UUID, now: dt.datetime, max_active: int | None = None
) -> NewSession:
    return await store.create_session(
        user_id,
        ip="10.0.0.7",
        user_agent="pytest",
        device="laptop",
        now=now,
        absolute_expiry=NOW + HOURS_8,
        max_active=max_active,
    )


async def test_two_concurrent_refreshes_with_one_token_exactly_one_wins(store: AuthStore) -> None:
    user = (await sync(store, unique(), ["AGENT"])).user
    session = await open_session(store, user.id, NOW)
    token = unique("hash")
    await store.store_refresh_token(token, session.id, NOW, NOW + HOURS_8)

    uses = await asyncio.gather(*(store.use_refresh_token(token, NOW + MINUTE) for _ in range(8)))

    assert all(use is not None for use in uses)
    winners = [use for use in uses if use is not None and not use.reused]
    assert len(winners) == 1
    assert winners[0].session.live_at(NOW) and winners[0].session.ip_address == "10.0.0.7"
    successor = unique("hash")
    assert await store.replace_refresh_token(token, successor, NOW + MINUTE, NOW + 2 * MINUTE)
    assert not await store.replace_refresh_token(token, unique("hash"), NOW, NOW + MINUTE)
    replayed = await store.use_refresh_token(token, NOW + 2 * MINUTE)
    assert replayed is not None and replayed.reused and replayed.replaced_by == successor
    assert await store.use_refresh_token(unique("unknown"), NOW) is None


async def test_sessions_end_oldest_first_beyond_the_limit(store: AuthStore) -> None:
    user = (await sync(store, unique(), ["AGENT"])).user
    expiry = NOW + HOURS_8
    opened = [await open_session(store, user.id, NOW + i * MINUTE, max_active=2) for i in range(3)]
    assert [s.ended for s in opened] == [(), (), (opened[0].id,)]
    at = NOW + 5 * MINUTE
    active = await store.active_sessions(user.id, now=at)
    assert [s.id for s in active] == [opened[1].id, opened[2].id]
    assert await store.touch_session(opened[1].id, at) is True
    assert await store.end_session(opened[1].id, "LOGOUT", at) is True
    assert await store.end_session(opened[1].id, "ADMIN", at) is False
    assert await store.touch_session(opened[1].id, at) is False
    every = await store.list_sessions(user.id, now=at, active_only=False)
    assert [s.id for s in every] == [s.id for s in reversed(opened)]
    assert [s.end_reason for s in every] == [None, "LOGOUT", "SESSION_LIMIT"]
    assert await store.list_sessions(user.id, now=expiry) == []


async def test_blacklist_is_idempotent_and_rebuildable(store: AuthStore) -> None:
    jti, session_id, user_id = unique("jti"), uuid.uuid4(), uuid.uuid4()
    expires = NOW + 15 * MINUTE
    assert await store.blacklist(jti, session_id, user_id, expires, "LOGOUT", NOW) is True
    assert await store.blacklist(jti, session_id, user_id, expires, "ADMIN", NOW + MINUTE) is False

    kept = {r.jti: r for r in await store.blacklisted_since(NOW - MINUTE)}[jti]
    assert (kept.reason, kept.revoked_at, kept.session_id) == ("LOGOUT", NOW, session_id)
    assert jti not in {r.jti for r in await store.blacklisted_since(NOW + MINUTE)}
    live = await store.blacklisted_since(NOW - MINUTE, unexpired_at=expires)
    assert jti not in {r.jti for r in live}
    assert await store.purge_expired_blacklist(expires) >= 1
    assert jti not in {r.jti for r in await store.blacklisted_since(NOW - MINUTE)}


async def test_lockout_bookkeeping(store: AuthStore) -> None:
    name = unique()
    for i in range(3):
        await store.record_failure(name.upper(), "10.1.2.3", "BAD_PASSWORD", NOW + i * MINUTE)
    assert await store.failures_since(name, NOW + MINUTE) == [NOW + MINUTE, NOW + 2 * MINUTE]

    until = NOW + 17 * MINUTE
    assert await store.lock(name, until, NOW + 2 * MINUTE) == until
    assert await store.lock(name, NOW + 5 * MINUTE, NOW + 3 * MINUTE) == until
    assert await store.locked_until(name.upper(), NOW + 16 * MINUTE) == until
    assert await store.locked_until(name, until) is None
    assert await store.locked_until(unique(), NOW) is None

    assert await store.clear_failures(name) == 3
    assert await store.failures_since(name, NOW) == []
    assert await store.unlock(name) is True
    assert await store.locked_until(name, NOW) is None


async def test_audit_entries_are_appended_and_queried_newest_first(store: AuthStore) -> None:
    actor, cif = unique("actor"), unique("cif")
    appended = [
        await store.append_audit(
            occurred_at=NOW + i * MINUTE,
            actor=actor,
            action=action,
            resource_type="customer" if cif_of else "session",
            resource_id=cif_of,
            outcome="SUCCESS",
            details={"step": i, "why": ["a", "b"]},
            request_id=f"req-{i}",
            ip="192.0.2.10",
            customer_cif=cif_of,
            service="auth",
        )
        for i, (action, cif_of) in enumerate(
            [("LOGIN_SUCCESS", None), ("DATA_ACCESS", cif), ("DATA_ACCESS", cif), ("LOGOUT", None)]
        )
    ]
    ids = [i for i in appended if i is not None]
    assert len(ids) == len(appended)

    mine = await store.query_audit(user=actor)
    assert [e.id for e in mine] == ids[::-1]
    oldest = mine[-1]
    assert oldest.details == {"step": 0, "why": ["a", "b"]}
    assert (oldest.ip_address, oldest.service) == ("192.0.2.10", "auth")
    by_customer = await store.query_audit(customer=cif)
    assert [e.id for e in by_customer] == [ids[2], ids[1]]
    logouts = await store.query_audit(user=actor, action="LOGOUT")
    assert [e.id for e in logouts] == [ids[3]]
    window = await store.query_audit(user=actor, since=NOW + MINUTE, until=NOW + 3 * MINUTE)
    assert [e.id for e in window] == [ids[2], ids[1]]

    page1 = await store.query_audit(user=actor, limit=3)
    page2 = await store.query_audit(user=actor, after=page1[-1].cursor, limit=3)
    assert [e.id for e in page1 + page2] == ids[::-1]
    assert await store.query_audit(user=actor, after=AuditCursor(NOW, ids[0])) == []


async def test_audit_rows_cannot_be_changed(store: AuthStore, settings: Settings) -> None:
    entry = await store.append_audit(
        occurred_at=NOW,
        actor=unique("actor"),
        action="LOGIN_FAILED",
        resource_type="user",
        resource_id=None,
        outcome="DENIED",
        details={},
        request_id=None,
    )
    conn = await asyncpg.connect(settings.asyncpg_dsn())
    try:
        for statement in (
            "UPDATE audit.audit_log SET outcome = 'SUCCESS' WHERE id = $1",
            "DELETE FROM audit.audit_log WHERE id = $1",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await conn.execute(statement, entry)
        stored = await conn.fetchval("SELECT outcome FROM audit.audit_log WHERE id = $1", entry)
        assert stored == "DENIED"
    finally:
        await conn.close()
