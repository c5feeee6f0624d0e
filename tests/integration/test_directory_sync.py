"""The scheduled directory sync: a user taken out of the CRM's AD groups is cut off at once."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from ldap3 import MODIFY_ADD, MODIFY_DELETE, Connection

from crm.settings import Settings
from security.auth_context import auth_context
from security.directory_sync import sync_directory
from streams.services import build_app
from tests.integration.auth_client import call, token_for


async def test_sync_removes_roles_and_ends_sessions_everywhere(
    system: Settings, api: str, ad_admin: Connection
) -> None:
    grant = await token_for(api, system, "agent2")
    token = grant["accessToken"]
    assert (await call("GET", f"{api}/api/payments/loan/LD-NONE", token))[0] == 200
    app = build_app(system, "auth")
    ctx = await auth_context(app)
    group = f"CN=CRM-Agents,CN=Users,{system.ldap_base_dn}"
    dn = f"CN=agent2,CN=Users,{system.ldap_base_dn}"
    assert ad_admin.modify(group, {"member": [(MODIFY_DELETE, [dn])]}), ad_admin.result
    try:
        report = await sync_directory(ctx, system, datetime.now(UTC))
        assert report.seen >= 9 and report.sessions_ended >= 1
        user = await ctx.store.find_user_by_username("agent2")
        assert user is not None and "AGENT" not in user.role_names
        deadline = time.monotonic() + 3
        while (await call("GET", f"{api}/api/payments/loan/LD-NONE", token))[0] != 401:
            assert time.monotonic() < deadline, "agent2's token still works after the sync"
    finally:
        assert ad_admin.modify(group, {"member": [(MODIFY_ADD, [dn])]}), ad_admin.result
        try:
            await sync_directory(ctx, system, datetime.now(UTC))
            restored = await ctx.store.find_user_by_username("agent2")
            assert restored is not None and "AGENT" in restored.role_names
        finally:
            await app.close_pool()
