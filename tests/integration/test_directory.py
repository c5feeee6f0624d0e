"""LdapDirectory against the runtime's real Samba AD: logins, refusals, injection, groups."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from ldap3 import MODIFY_ADD, MODIFY_DELETE, Connection, Server
from pydantic import SecretStr

from crm.settings import Settings
from integrations.directory import AuthFailure, DirectoryUser, FailureReason
from integrations.ldap_directory import LdapDirectory
from runtime import manager, samba
from runtime.samba_directory import demo_directory
from tests.integration.closed_port import closed_port

CRM_GROUPS = {"CRM-Admins", "CRM-Supervisors", "CRM-TeamLeads", "CRM-Agents", "CRM-Auditors"}
CRM_GROUPS |= {"CRM-Service"}
INJECTIONS = ["*", "agent*", "admin)(|(objectClass=*)", "a\\5c", "agent1\x00", "agent1\\x00"]
INJECTIONS += ["(", ")", "agent1)", "agent 1", "agent1,cn=users", "cn=agent1", "a/b", "x" * 300]
INJECTIONS += ["agent1@evil.test", "EVIL\\agent1", "agent1@bank.test@bank.test", ""]


@pytest.fixture(scope="session")
def ad(settings: Settings) -> Settings:
    assert manager.up(settings, only=["samba"]) == 0
    return settings


@pytest.fixture(scope="session")
def demo(ad: Settings) -> dict[str, dict[str, Any]]:
    _, users = demo_directory(ad)
    return {u["username"]: u for u in users}


@pytest.fixture
def directory(ad: Settings) -> LdapDirectory:
    return LdapDirectory(ad)


@pytest.fixture
def admin(ad: Settings) -> Iterator[Connection]:
    server = Server(ad.ldap_host, port=ad.ldap_port, connect_timeout=5)
    conn = Connection(server, f"Administrator@{ad.ad_realm}", samba.admin_password(ad))
    assert conn.bind(), conn.result
    yield conn
    conn.unbind()


async def refusal(directory: LdapDirectory, username: str, password: str) -> FailureReason:
    with pytest.raises(AuthFailure) as refused:
        await directory.authenticate(username, password)
    return refused.value.reason


def crm_groups(user: DirectoryUser) -> set[str]:
    return set(user.groups) & CRM_GROUPS


@pytest.mark.parametrize(
    "login", ["agent1", "agent1@bank.test", "AGENT1@Bank.Test", "BANK\\agent1"]
)
async def test_agent_logs_in_by_any_name_form(
    directory: LdapDirectory, demo: dict[str, Any], login: str
) -> None:
    user = await directory.authenticate(login, demo["agent1"]["password"])
    assert user.username == "agent1"
    assert user.upn == "agent1@bank.test"
    assert "CRM-Agents" in user.groups
    assert user.display_name == demo["agent1"]["display_name"] == "An Nguyen"
    assert user.email == demo["agent1"]["mail"]
    assert user.department == demo["agent1"]["department"]
    assert user.enabled and not user.password_expired


@pytest.mark.parametrize(
    ("login", "password", "reason"),
    [
        ("agent1", "Not-The-Password-1!", FailureReason.WRONG_PASSWORD),
        ("agent1", "paddy-field-74!", FailureReason.WRONG_PASSWORD),
        ("no.such.user", "Paddy-Field-74!", FailureReason.UNKNOWN_USER),
        ("agent.disabled", "Closed-Door-17!", FailureReason.DISABLED),
        ("agent.disabled", "Not-The-Password-1!", FailureReason.DISABLED),
        ("agent.expired", "Old-Calendar-28!", FailureReason.PASSWORD_EXPIRED),
    ],
)
async def test_refusals_name_the_exact_reason(
    directory: LdapDirectory, login: str, password: str, reason: FailureReason
) -> None:
    assert await refusal(directory, login, password) is reason


async def test_empty_password_is_refused_not_an_anonymous_success(
    directory: LdapDirectory,
) -> None:
    assert await refusal(directory, "agent1", "") is FailureReason.WRONG_PASSWORD


@pytest.mark.parametrize("login", INJECTIONS)
async def test_ldap_injection_is_refused_before_any_search(
    directory: LdapDirectory, demo: dict[str, Any], login: str
) -> None:
    # With a valid password, so only the username check can be what refuses.
    password = demo["agent1"]["password"]
    assert await refusal(directory, login, password) is FailureReason.INVALID_USERNAME
    assert await directory.find_user(login) is None


async def test_user_in_no_crm_group_authenticates_without_a_role(
    directory: LdapDirectory, demo: dict[str, Any]
) -> None:
    user = await directory.authenticate("nobody1", demo["nobody1"]["password"])
    assert user.username == "nobody1"
    assert crm_groups(user) == set()


async def test_find_user_and_list_users_describe_the_demo_directory(
    directory: LdapDirectory, demo: dict[str, Any]
) -> None:
    listed = {u.username: u for u in await directory.list_users()}
    for name, expected in demo.items():
        found = await directory.find_user(name)
        assert found is not None, name
        assert listed[name] == found
        assert found.display_name == expected["display_name"]
        assert found.email == expected.get("mail")
        assert found.department == expected.get("department")
        assert found.enabled is expected.get("enabled", True)
        assert found.password_expired is expected.get("must_change_password", False)
        assert crm_groups(found) == set(expected["groups"]), name
    assert await directory.find_user("no.such.user") is None


async def test_user_removed_from_a_group_loses_it(
    ad: Settings, directory: LdapDirectory, demo: dict[str, Any], admin: Connection
) -> None:
    agent2 = await directory.find_user("agent2")
    assert agent2 is not None and "CRM-Agents" in agent2.groups
    group = f"CN=CRM-Agents,CN=Users,{ad.ldap_base_dn}"
    assert admin.modify(group, {"member": [(MODIFY_DELETE, [agent2.dn])]}), admin.result
    try:
        after = await directory.find_user("agent2")
        assert after is not None and "CRM-Agents" not in after.groups
        user = await directory.authenticate("agent2", demo["agent2"]["password"])
        assert "CRM-Agents" not in user.groups
        listed = {u.username: u for u in await directory.list_users()}
        assert "CRM-Agents" not in listed["agent2"].groups
    finally:
        assert admin.modify(group, {"member": [(MODIFY_ADD, [agent2.dn])]}), admin.result
    restored = await directory.find_user("agent2")
    assert restored is not None and "CRM-Agents" in restored.groups


async def test_nested_group_membership_counts(
    ad: Settings, directory: LdapDirectory, demo: dict[str, Any], admin: Connection
) -> None:
    name = f"Test-Nest-{uuid.uuid4().hex[:8]}"
    outer = f"CN={name},CN=Users,{ad.ldap_base_dn}"
    inner = f"CN=CRM-Agents,CN=Users,{ad.ldap_base_dn}"
    attrs = {"sAMAccountName": name, "member": [inner]}
    assert admin.add(outer, ["top", "group"], attrs), admin.result
    try:
        user = await directory.authenticate("agent1", demo["agent1"]["password"])
        assert {"CRM-Agents", name} <= user.groups
        listed = {u.username: u for u in await directory.list_users()}
        assert name in listed["agent1"].groups
        assert name not in listed["nobody1"].groups
    finally:
        assert admin.delete(outer), admin.result


async def test_concurrent_logins_all_succeed(
    directory: LdapDirectory, demo: dict[str, Any]
) -> None:
    names = ["agent1", "agent2", "admin", "auditor", "supervisor", "teamlead1"] * 3
    users = await asyncio.gather(*(directory.authenticate(n, demo[n]["password"]) for n in names))
    assert [u.username for u in users] == names


@pytest.mark.parametrize(
    "change",
    [
        {"ldap_port": closed_port()},
        {"ldap_service_password": SecretStr("Not-The-Service-Password-1!")},
        {"ldap_base_dn": "DC=elsewhere,DC=test"},
        # Samba offers StartTLS with a self-signed certificate: it must not be trusted.
        {"ldap_start_tls": True},
    ],
    ids=["unreachable", "service-password", "base-dn", "untrusted-tls"],
)
async def test_directory_trouble_is_unavailable_not_a_refusal(
    ad: Settings, demo: dict[str, Any], change: dict[str, Any]
) -> None:
    broken = LdapDirectory(ad.model_copy(update=change))
    reason = await refusal(broken, "agent1", demo["agent1"]["password"])
    assert reason is FailureReason.DIRECTORY_UNAVAILABLE
