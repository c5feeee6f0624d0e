"""Login against the real Active Directory: who gets in, and every refusal looks the same."""

from __future__ import annotations

from typing import Any

import pytest

from crm.settings import Settings
from tests.integration.auth_client import call, demo_password, login, token_for
from tests.integration.conftest import apoll
from tests.integration.kafka_io import find_decoded

REFUSAL = {"code": "INVALID_CREDENTIALS", "detail": "Invalid username or password."}


@pytest.mark.parametrize("form", ["agent1", "agent1@bank.test", "AGENT1@BANK.TEST", "BANK\\agent1"])
async def test_every_login_form_works(system: Settings, api: str, form: str) -> None:
    grant = await token_for(api, system, form)
    assert grant["user"]["username"] == "agent1"
    assert grant["user"]["roles"] == ["AGENT"]
    assert "actions:write" in grant["user"]["permissions"]
    assert grant["tokenType"] == "Bearer" and 0 < grant["expiresIn"] <= 15 * 60


async def _last_failure_reason(db: Any, username: str) -> str | None:
    row = await db.fetchrow(
        "SELECT details->>'reason' AS reason FROM audit.audit_log"
        " WHERE action = 'LOGIN_FAILED' AND actor = $1 ORDER BY id DESC LIMIT 1",
        username,
    )
    return None if row is None else str(row["reason"])


@pytest.mark.parametrize(
    ("username", "password_of", "reason"),
    [
        ("agent1", None, "WRONG_PASSWORD"),
        ("ghost.user", None, "UNKNOWN_USER"),
        ("agent.disabled", "agent.disabled", "DISABLED"),
        ("agent.expired", "agent.expired", "PASSWORD_EXPIRED"),
        ("nobody1", "nobody1", "NO_CRM_ROLE"),
    ],
)
async def test_refusals_are_indistinguishable_but_audited_exactly(
    system: Settings, api: str, db: Any, username: str, password_of: str | None, reason: str
) -> None:
    # Earlier runs' failures must not add up to a lockout that would mask the real reason.
    await db.execute("DELETE FROM auth.lockout WHERE username = $1", username)
    await db.execute("DELETE FROM auth.login_failure WHERE username = $1", username)
    password = demo_password(system, password_of) if password_of else "Not-The-Password-1!"
    status, body = await login(api, username, password)
    assert status == 401
    assert {k: body[k] for k in REFUSAL} == REFUSAL
    assert await _last_failure_reason(db, username) == reason


@pytest.mark.parametrize(
    "username", ["*", "agent*", "admin)(|(objectClass=*)", "a\\5c", "agent1\x00", "(", ")"]
)
async def test_ldap_injection_is_just_a_failed_login(
    system: Settings, api: str, username: str
) -> None:
    status, body = await login(api, username, demo_password(system, "agent1"))
    assert status == 401
    assert body["code"] == "INVALID_CREDENTIALS"


async def test_malformed_and_oversized_bodies(api: str) -> None:
    status, body = await call(
        "POST", f"{api}/api/auth/login", data="{oops", headers={"Content-Type": "application/json"}
    )
    assert (status, body["code"]) == (400, "INVALID_JSON")
    status, body = await call("POST", f"{api}/api/auth/login", json={"username": "agent1"})
    assert (status, body["field"]) == (400, "password")
    big = {"username": "agent1", "password": "x" * 300_000}
    status, _ = await call("POST", f"{api}/api/auth/login", json=big)
    assert status == 413


async def test_agent_without_permission_gets_403_and_it_is_recorded(
    system: Settings, api: str, db: Any
) -> None:
    grant = await token_for(api, system, "agent1")
    status, body = await call("POST", f"{api}/api/payments", grant["accessToken"], json={})
    assert (status, body["code"]) == (403, "FORBIDDEN")
    assert body["detail"] == "Permission payments:write is required."

    event = find_decoded(
        system,
        system.topic("auth.events"),
        grant["user"]["id"],
        lambda e: e["eventType"] == "ACCESS_DENIED" and e["sessionId"] == grant["sessionId"],
        deadline_s=20,
    )
    assert event is not None, "ACCESS_DENIED was not published"
    assert event["details"]["path"] == "/api/payments"
    assert event["details"]["service"] == "payments"

    async def audited() -> bool:
        row = await db.fetchrow(
            "SELECT outcome, service FROM audit.audit_log"
            " WHERE action = 'ACCESS_DENIED' AND resource_id = $1",
            grant["sessionId"],
        )
        return row is not None and (row["outcome"], row["service"]) == ("FAILURE", "payments")

    await apoll(
        audited, deadline_s=20, what="the payments service's ACCESS_DENIED in the audit log"
    )
