"""Copy one AD account into the CRM's user table, with the roles its groups map to."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from integrations.directory import DirectoryUser
from persistence.auth_records import DirectorySync
from persistence.auth_store import AuthStore


async def store_account(
    store: AuthStore,
    account: DirectoryUser,
    roles: Iterable[str],
    now: datetime,
    *,
    login: bool = False,
) -> DirectorySync:
    """The same copy for a login and for the scheduled sync, so both agree on every field."""
    return await store.upsert_directory_user(
        username=account.username,
        upn=account.upn,
        display_name=account.display_name,
        email=account.email,
        department=account.department,
        enabled=account.enabled,
        groups=sorted(account.groups),
        role_names=roles,
        now=now,
        login=login,
    )
