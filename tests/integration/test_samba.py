"""The runtime's Samba AD DC: real binds, the demo directory, idempotent start, loopback only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ldap3 import MODIFY_DELETE, SUBTREE, Connection, Server
from ldap3.utils.conv import escape_filter_chars

from crm.settings import Settings, get_settings
from runtime import manager, samba
from runtime.samba_directory import load_demo

pytestmark = pytest.mark.integration

LDAP_PORT_HEX = f"{389:04X}"
LISTEN = "0A"


@pytest.fixture(scope="session")
def ad() -> Settings:
    settings = get_settings()
    assert manager.up(settings, only=["samba"]) == 0
    return settings


@pytest.fixture(scope="session")
def users(ad: Settings) -> dict[str, dict[str, Any]]:
    _, listed = load_demo(ad.ad_demo_config)
    return {u["username"]: u for u in listed}


def bind(settings: Settings, user: str, password: str) -> Connection:
    server = Server(settings.ldap_host, port=settings.ldap_port, connect_timeout=5)
    conn = Connection(server, user, password, receive_timeout=10)
    conn.bind()
    return conn


def admin(settings: Settings) -> Connection:
    conn = bind(settings, f"Administrator@{settings.ad_realm}", samba.admin_password(settings))
    assert conn.bound, conn.result
    return conn


def find(conn: Connection, settings: Settings, username: str, attrs: list[str]) -> list[Any]:
    query = f"(&(objectClass=user)(sAMAccountName={escape_filter_chars(username)}))"
    conn.search(settings.ldap_base_dn, query, SUBTREE, attributes=attrs)
    return list(conn.entries)


def test_upn_and_down_level_logon_names_bind(ad: Settings, users: dict[str, Any]) -> None:
    password = users["agent1"]["password"]
    assert bind(ad, "agent1@bank.test", password).bound
    assert bind(ad, f"{ad.ad_domain}\\agent1", password).bound


def test_wrong_password_is_refused(ad: Settings) -> None:
    conn = bind(ad, "agent1@bank.test", "Not-The-Password-1!")
    assert not conn.bound
    # AD's sub-code 52e: bad credentials (the auth service audits the exact reason).
    assert "data 52e" in conn.result["message"]


def test_disabled_user_is_refused(ad: Settings, users: dict[str, Any]) -> None:
    conn = bind(ad, "agent.disabled@bank.test", users["agent.disabled"]["password"])
    assert not conn.bound
    assert "data 533" in conn.result["message"]
    (entry,) = find(admin(ad), ad, "agent.disabled", ["userAccountControl"])
    assert int(entry.userAccountControl.value) & 0x2


def test_expired_password_is_refused(ad: Settings, users: dict[str, Any]) -> None:
    conn = bind(ad, "agent.expired@bank.test", users["agent.expired"]["password"])
    assert not conn.bound
    # 773: the password must be changed before the first logon (pwdLastSet=0).
    assert "data 773" in conn.result["message"]


def test_group_membership_and_attributes(ad: Settings, users: dict[str, Any]) -> None:
    conn = bind(ad, "agent1@bank.test", users["agent1"]["password"])
    attrs = ["memberOf", "displayName", "mail", "department"]
    (agent,) = find(conn, ad, "agent1", attrs)
    assert any(str(g).startswith("CN=CRM-Agents,") for g in agent.memberOf.values)
    assert agent.displayName.value == users["agent1"]["display_name"]
    assert agent.mail.value == "agent1@bank.test"
    (nobody,) = find(conn, ad, "nobody1", ["memberOf"])
    assert not [g for g in nobody.memberOf.values if str(g).startswith("CN=CRM-")]


def test_service_account_binds_with_generated_password(ad: Settings) -> None:
    secret = ad.data_dir / "secrets" / "ad-service-password"
    assert secret.stat().st_mode & 0o777 == 0o600
    assert (ad.data_dir / "secrets" / "ad-admin-password").stat().st_mode & 0o777 == 0o600
    assert bind(ad, ad.ldap_service_user, secret.read_text().strip()).bound


def test_second_up_keeps_the_process(ad: Settings) -> None:
    before = samba.COMPONENT.pid(ad)
    assert manager.up(ad, only=["samba"]) == 0
    assert samba.COMPONENT.pid(ad) == before


def test_restart_reapplies_directory_without_duplicates(
    ad: Settings, users: dict[str, Any]
) -> None:
    conn = admin(ad)
    # Drift a user away from the file; the next start must put it back.
    (entry,) = find(conn, ad, "agent2", [])
    group = f"CN=CRM-Agents,CN=Users,{ad.ldap_base_dn}"
    conn.modify(group, {"member": [(MODIFY_DELETE, [entry.entry_dn])]})
    assert conn.result["result"] == 0, conn.result
    before = samba.COMPONENT.pid(ad)
    assert samba.COMPONENT.stop(ad)
    assert manager.up(ad, only=["samba"]) == 0
    assert samba.COMPONENT.pid(ad) not in (None, before)
    conn = admin(ad)
    for name in users:
        assert len(find(conn, ad, name, [])) == 1, name
    (agent2,) = find(conn, ad, "agent2", ["memberOf"])
    assert group in [str(g) for g in agent2.memberOf.values]
    assert bind(ad, "agent2@bank.test", users["agent2"]["password"]).bound


def _listeners(port_hex: str) -> list[str]:
    found = []
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        for line in table.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port = local.rsplit(":", 1)
            if port == port_hex and state == LISTEN:
                found.append(address)
    return found


def test_ldap_listens_on_ipv4_loopback_only(ad: Settings) -> None:
    # /proc/net/tcp writes 127.0.0.1 as little-endian hex.
    assert _listeners(LDAP_PORT_HEX) == ["0100007F"]
