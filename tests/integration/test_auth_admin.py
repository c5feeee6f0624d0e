"""Administration and audit through the API: roles follow AD and admins; auditors read."""

from __future__ import annotations

import csv
import io
from typing import Any

import aiohttp
from ldap3 import MODIFY_ADD, MODIFY_DELETE, Connection

from crm.settings import Settings
from tests.integration.auth_client import call, demo_password, login, token_for


async def test_admin_manages_roles_and_the_agent_feels_it(system: Settings, api: str) -> None:
    await token_for(api, system, "agent1")  # a user exists in the CRM from their first login
    admin = (await token_for(api, system, "admin"))["accessToken"]
    status, page = await call("GET", f"{api}/api/users?role=AGENT&limit=50", admin)
    assert status == 200
    agent = next(u for u in page["items"] if u["username"] == "agent1")
    assert [r["name"] for r in agent["roles"]] == ["AGENT"]
    url = f"{api}/api/users/{agent['id']}/roles"
    status, updated = await call("POST", url, admin, json={"role": "TEAM_LEAD"})
    assert status == 201
    assert {"name": "TEAM_LEAD", "source": "MANUAL"} in [
        {"name": r["name"], "source": r["source"]} for r in updated["roles"]
    ]
    try:
        grant = await token_for(api, system, "agent1")
        assert "assignments:write" in grant["user"]["permissions"]
    finally:
        status, _ = await call("DELETE", f"{url}/TEAM_LEAD", admin)
        assert status == 200
    grant = await token_for(api, system, "agent1")
    assert "assignments:write" not in grant["user"]["permissions"]
    status, body = await call("POST", url, admin, json={"role": "EMPEROR"})
    assert (status, body["field"]) == (400, "role")


async def test_agent_cannot_reach_admin_endpoints(system: Settings, api: str) -> None:
    agent = (await token_for(api, system, "agent1"))["accessToken"]
    for path in ("/api/users", "/api/roles", "/api/audit"):
        status, body = await call("GET", f"{api}{path}", agent)
        assert (status, body["code"]) == (403, "FORBIDDEN"), path


async def test_roles_and_their_permissions(system: Settings, api: str) -> None:
    admin = (await token_for(api, system, "admin"))["accessToken"]
    status, roles = await call("GET", f"{api}/api/roles", admin)
    names = {r["name"] for r in roles}
    assert status == 200 and {"AGENT", "ADMIN", "AUDITOR", "SYSTEM"} <= names
    status, body = await call("GET", f"{api}/api/roles/AUDITOR/permissions", admin)
    assert status == 200 and "audit:read" in body["permissions"]
    assert "users:manage" not in body["permissions"]


async def test_removed_from_ad_group_loses_the_role_at_next_login(
    system: Settings, api: str, ad_admin: Connection
) -> None:
    assert (await token_for(api, system, "agent2"))["user"]["roles"] == ["AGENT"]
    group = f"CN=CRM-Agents,CN=Users,{system.ldap_base_dn}"
    dn = f"CN=agent2,CN=Users,{system.ldap_base_dn}"
    assert ad_admin.modify(group, {"member": [(MODIFY_DELETE, [dn])]}), ad_admin.result
    try:
        status, body = await login(api, "agent2", demo_password(system, "agent2"))
        assert (status, body["code"]) == (401, "INVALID_CREDENTIALS")
    finally:
        assert ad_admin.modify(group, {"member": [(MODIFY_ADD, [dn])]}), ad_admin.result
    assert (await token_for(api, system, "agent2"))["user"]["roles"] == ["AGENT"]


async def test_auditor_filters_and_exports_the_audit_log(
    system: Settings, api: str, db: Any
) -> None:
    # Failures of earlier runs must not lock the name and change the recorded reason.
    await db.execute("DELETE FROM auth.login_failure WHERE username = 'ghost.auditee'")
    await db.execute("DELETE FROM auth.lockout WHERE username = 'ghost.auditee'")
    await login(api, "=cmd|calc", "x")  # an attempt whose name would be a spreadsheet formula
    status, _ = await login(api, "ghost.auditee", "Wrong-Password-1!")
    assert status == 401
    auditor = (await token_for(api, system, "auditor"))["accessToken"]
    url = f"{api}/api/audit?user=ghost.auditee&eventType=LOGIN_FAILED&limit=5"
    status, page = await call("GET", url, auditor)
    assert status == 200 and page["items"]
    assert page["items"][0]["details"]["reason"] == "UNKNOWN_USER"
    headers = {"Authorization": f"Bearer {auditor}"}
    async with (
        aiohttp.ClientSession(headers=headers) as s,
        s.get(f"{api}/api/audit?eventType=LOGIN_FAILED&format=csv") as resp,
    ):
        assert resp.status == 200 and resp.content_type == "text/csv"
        rows = list(csv.DictReader(io.StringIO(await resp.text())))
    assert any(r["actor"] == "ghost.auditee" for r in rows)
    assert not any(r["actor"].startswith("=") for r in rows)
