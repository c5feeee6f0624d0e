"""Sessions as a security reviewer probes them: logout everywhere, refresh theft, lockout."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt

from crm.settings import Settings
from tests.integration.auth_client import call, demo_password, login, token_for

PAYMENTS = "/api/payments/loan/LD-NONE"


async def _reaches_payments(api: str, token: str) -> int:
    status, _ = await call("GET", f"{api}{PAYMENTS}", token)
    return status


async def test_logout_is_refused_by_another_service_within_a_second(
    system: Settings, api: str
) -> None:
    grant = await token_for(api, system, "teamlead1")
    token = grant["accessToken"]
    assert await _reaches_payments(api, token) == 200
    status, _ = await call("POST", f"{api}/api/auth/logout", token)
    assert status == 200
    started = time.monotonic()
    while await _reaches_payments(api, token) != 401:
        assert time.monotonic() - started < 3, "payments still accepts a logged-out token"
    status, body = await call("GET", f"{api}{PAYMENTS}", token)
    assert (status, body["code"]) == (401, "TOKEN_REVOKED")


async def test_refresh_rotates_and_reuse_revokes_the_session(system: Settings, api: str) -> None:
    grant = await token_for(api, system, "supervisor")
    url = f"{api}/api/auth/token/refresh"
    status, second = await call("POST", url, json={"refreshToken": grant["refreshToken"]})
    assert status == 200 and second["sessionId"] == grant["sessionId"]
    assert second["refreshToken"] != grant["refreshToken"]
    assert await _reaches_payments(api, second["accessToken"]) == 200
    # The first refresh token again: someone kept a copy. The whole session ends.
    status, body = await call("POST", url, json={"refreshToken": grant["refreshToken"]})
    assert (status, body["code"]) == (401, "INVALID_REFRESH_TOKEN")
    status, _ = await call("POST", url, json={"refreshToken": second["refreshToken"]})
    assert status == 401
    deadline = time.monotonic() + 3
    while await _reaches_payments(api, second["accessToken"]) != 401:
        assert time.monotonic() < deadline, "the stolen session's access token still works"


async def test_lockout_after_repeated_failures(system: Settings, api: str, db: Any) -> None:
    user = "agent2"
    await db.execute("DELETE FROM auth.lockout WHERE username = $1", user)
    await db.execute("DELETE FROM auth.login_failure WHERE username = $1", user)
    try:
        for _ in range(system.lockout_threshold):
            status, _ = await login(api, user, "Wrong-Password-0!")
            assert status == 401
        status, body = await login(api, user, demo_password(system, user))
        assert status == 401, "the right password must not open a locked account"
        assert body["code"] == "INVALID_CREDENTIALS"
        locked = await db.fetchval(
            "SELECT count(*) FROM audit.audit_log WHERE action = 'ACCOUNT_LOCKED' AND actor = $1",
            user,
        )
        assert locked >= 1
        # The lock expires: simulate the passing of lockout_minutes in the durable record.
        await db.execute(
            "UPDATE auth.lockout SET locked_until = now() - interval '1 second'"
            " WHERE username = $1",
            user,
        )
        await db.execute("DELETE FROM auth.login_failure WHERE username = $1", user)
        status, _ = await login(api, user, demo_password(system, user))
        assert status == 200
    finally:
        await db.execute("DELETE FROM auth.lockout WHERE username = $1", user)
        await db.execute("DELETE FROM auth.login_failure WHERE username = $1", user)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_forged_tokens_are_refused_by_services(system: Settings, api: str) -> None:
    grant = await token_for(api, system, "agent1")
    claims = jwt.decode(grant["accessToken"], options={"verify_signature": False})
    header = jwt.get_unverified_header(grant["accessToken"])
    none_token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    status, jwks = await call("GET", f"{api}/api/auth/.well-known/jwks.json")
    assert status == 200 and all("d" not in k for k in jwks["keys"])
    forged_claims = {**claims, "perms": ["payments:write", "users:manage"]}
    head, _, signature = grant["accessToken"].split(".")
    tampered = f"{head}.{_b64(forged_claims)}.{signature}"
    unknown_kid = jwt.encode(claims, "x" * 32, algorithm="HS256", headers={"kid": "nope"})
    expired = f"{head}.{_b64({**claims, 'exp': claims['iat'] - 3600})}.{signature}"
    for token in (none_token, tampered, unknown_kid, expired, grant["accessToken"] + "x"):
        status, body = await call("GET", f"{api}{PAYMENTS}", token)
        assert (status, body["code"]) == (401, "UNAUTHORIZED"), token
    assert header["alg"] == "RS256" and header["kid"]


async def test_sessions_can_be_listed_and_ended_by_their_owner(system: Settings, api: str) -> None:
    first = await token_for(api, system, "auditor")
    second = await token_for(api, system, "auditor")
    status, body = await call("GET", f"{api}/api/auth/sessions", second["accessToken"])
    ids = {s["id"] for s in body["items"]}
    assert status == 200 and {first["sessionId"], second["sessionId"]} <= ids
    url = f"{api}/api/auth/sessions/{first['sessionId']}"
    status, _ = await call("DELETE", url, second["accessToken"])
    assert status == 200
    deadline = time.monotonic() + 3
    while await _reaches_payments(api, first["accessToken"]) != 401:
        assert time.monotonic() < deadline
    # An admin lists anyone's sessions; an ordinary user cannot, nor end someone else's.
    admin = await token_for(api, system, "admin")
    status, body = await call(
        "GET", f"{api}/api/auth/sessions?userId={second['user']['id']}", admin["accessToken"]
    )
    assert status == 200 and second["sessionId"] in {s["id"] for s in body["items"]}
    other = await token_for(api, system, "agent1")
    status, _ = await call(
        "GET", f"{api}/api/auth/sessions?userId={second['user']['id']}", other["accessToken"]
    )
    assert status == 403
    url = f"{api}/api/auth/sessions/{second['sessionId']}"
    status, _ = await call("DELETE", url, other["accessToken"])
    assert status == 404
    assert await _reaches_payments(api, second["accessToken"]) == 200
