"""An Active Directory outage is a 503 for the caller and never counts toward a lockout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crm.settings import Settings
from integrations.ldap_directory import LdapDirectory
from security.auth_context import auth_context
from security.login import Client, DirectoryDown, LoginService
from security.tokens import TokenIssuer
from streams.services import build_app
from tests.integration.closed_port import closed_port


async def test_directory_down_is_not_a_failed_login(system: Settings, db: Any) -> None:
    app = build_app(system, "auth")
    ctx = await auth_context(app)
    unreachable = system.model_copy(update={"ldap_port": closed_port()})
    ttl = timedelta(minutes=system.access_token_minutes)
    issuer = TokenIssuer(ctx.keyset, system.jwt_issuer, system.jwt_audience, ttl)
    login = LoginService(
        unreachable, ctx.store, LdapDirectory(unreachable), issuer, ctx.trail, ctx.revoker
    )
    await db.execute("DELETE FROM auth.login_failure WHERE username = 'teamlead1'")
    try:
        for _ in range(system.lockout_threshold + 1):
            with pytest.raises(DirectoryDown):
                await login.login(
                    "teamlead1", "Bamboo-Garden-63!", Client("127.0.0.1", "test"), datetime.now(UTC)
                )
        failures = await db.fetchval(
            "SELECT count(*) FROM auth.login_failure WHERE username = 'teamlead1'"
        )
        assert failures == 0
        assert await ctx.store.locked_until("teamlead1", datetime.now(UTC)) is None
    finally:
        await app.close_pool()
