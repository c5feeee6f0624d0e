"""The auth service's collaborators, built once per process on first use."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from integrations.directory import Directory
from integrations.ldap_directory import LdapDirectory
from persistence.auth_store import AuthStore
from security.audit_trail import AuditTrail
from security.keys import KeySet
from security.login import LoginService
from security.revoke import Revoker
from security.tokens import TokenIssuer
from streams.app import CrmApp


@dataclass(frozen=True)
class AuthContext:
    keyset: KeySet
    store: AuthStore
    trail: AuditTrail
    login: LoginService
    directory: Directory
    revoker: Revoker


async def auth_context(app: CrmApp) -> AuthContext:
    """Return the app's AuthContext, creating it (pool, keys, directory) the first time."""
    if app.auth is not None:
        return app.auth
    async with app.auth_lock:
        if app.auth is None:
            settings = app.settings
            keyset = await asyncio.to_thread(KeySet.load_or_create, settings.jwt_keys_path)
            store = AuthStore(await app.db_pool())
            trail = AuditTrail(app, store)
            issuer = TokenIssuer(
                keyset,
                settings.jwt_issuer,
                settings.jwt_audience,
                timedelta(minutes=settings.access_token_minutes),
            )
            directory = LdapDirectory(settings)
            revoker = Revoker(app, store)
            login = LoginService(settings, store, directory, issuer, trail, revoker)
            app.auth = AuthContext(keyset, store, trail, login, directory, revoker)
    return app.auth
