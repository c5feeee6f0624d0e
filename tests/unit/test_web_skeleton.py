"""The web skeleton as a client sees it: problem details, the auth hook, OpenAPI = routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from crm.settings import SERVICES, Settings
from security.access import AccessChecker
from security.jwks import LocalJwks
from security.keys import KeySet
from security.tokens import TokenIssuer, TokenVerifier
from streams.app import aiohttp_app
from streams.avro import codec_for
from streams.services import build_app


def settings(tmp_path: Path) -> Settings:
    return Settings(store="memory://", data_dir=tmp_path)


@pytest.fixture(scope="module")
def keyset(tmp_path_factory: pytest.TempPathFactory) -> KeySet:
    return KeySet.load_or_create(tmp_path_factory.mktemp("jwt") / "keys")


@pytest.fixture
def auth(keyset: KeySet) -> dict[str, str]:
    """A real RS256 token, as the auth service would issue to a payments clerk."""
    issuer = TokenIssuer(keyset, "crm-auth", "crm", timedelta(minutes=15))
    token = issuer.issue(
        subject="u-1",
        session_id="s-1",
        roles=["SUPERVISOR"],
        permissions=["payments:read", "payments:write"],
        now=datetime.now(UTC),
    ).token
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def client(tmp_path: Path, keyset: KeySet) -> AsyncIterator[TestClient]:
    app = build_app(settings(tmp_path), "payments")
    # The service's token check, with this test's key set standing in for the JWKS fetch.
    app.access = AccessChecker(TokenVerifier(LocalJwks(keyset), "crm-auth", "crm"), app.revocations)
    async with TestClient(TestServer(aiohttp_app(app))) as c:
        yield c


async def test_health_is_anonymous(client: TestClient) -> None:
    resp = await client.get("/health")
    assert resp.status == 200
    assert (await resp.json())["service"] == "payments"


async def test_missing_token_is_401_problem(client: TestClient) -> None:
    resp = await client.get("/api/payments/FT1")
    assert resp.status == 401
    assert resp.content_type == "application/problem+json"
    body = await resp.json()
    assert body["code"] == "UNAUTHORIZED"
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


async def test_wrong_token_is_401(client: TestClient) -> None:
    resp = await client.get("/api/payments/FT1", headers={"Authorization": "Bearer nope"})
    assert resp.status == 401


class RecordingPublisher:
    """Stands in for the Kafka producer: keeps what would have been published."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []

    async def publish(self, topic: str, records: list[tuple[bytes, bytes]]) -> None:
        self.sent += [(topic, k, v) for k, v in records]


async def test_valid_token_without_the_permission_is_403_and_recorded(
    tmp_path: Path, keyset: KeySet
) -> None:
    app = build_app(settings(tmp_path), "payments")
    app.access = AccessChecker(TokenVerifier(LocalJwks(keyset), "crm-auth", "crm"), app.revocations)
    publisher = RecordingPublisher()
    app._publisher = publisher  # type: ignore[assignment]
    issuer = TokenIssuer(keyset, "crm-auth", "crm", timedelta(minutes=15))
    token = issuer.issue(
        subject="u-2",
        session_id="s-2",
        roles=["AUDITOR"],
        permissions=["payments:read"],
        now=datetime.now(UTC),
    ).token
    async with TestClient(TestServer(aiohttp_app(app))) as c:
        resp = await c.post("/api/payments", json={}, headers={"Authorization": f"Bearer {token}"})
        assert resp.status == 403
        assert (await resp.json())["detail"] == "Permission payments:write is required."
    ((topic, key, value),) = publisher.sent
    _, event = codec_for(app.settings).decode(value)
    assert topic == "auth.events" and key == b"u-2"
    assert (event["eventType"], event["sessionId"]) == ("ACCESS_DENIED", "s-2")


async def test_invalid_body_names_the_field(client: TestClient, auth: dict[str, str]) -> None:
    resp = await client.post(
        "/api/payments",
        json={
            "referenceNumber": "FT1",
            "loanAccountNumber": "LD1",
            "amount": "-1",
            "currency": "VND",
            "paidAt": "2026-01-01T00:00:00Z",
        },
        headers=auth,
    )
    assert resp.status == 400
    body = await resp.json()
    assert body["code"] == "VALIDATION_ERROR"
    assert body["field"] == "amount"
    assert body["requestId"]


async def test_non_json_body_is_rejected(client: TestClient, auth: dict[str, str]) -> None:
    resp = await client.post(
        "/api/payments", data="{oops", headers={**auth, "Content-Type": "application/json"}
    )
    assert resp.status == 400
    assert (await resp.json())["code"] == "INVALID_JSON"


async def test_unknown_route_is_problem_404(client: TestClient, auth: dict[str, str]) -> None:
    resp = await client.get("/api/nothing-here", headers=auth)
    assert resp.status == 404
    assert resp.content_type == "application/problem+json"


async def test_bad_cursor_is_400(client: TestClient, auth: dict[str, str]) -> None:
    resp = await client.get("/api/payments/loan/LD1?cursor=%%%", headers=auth)
    assert resp.status == 400
    assert (await resp.json())["field"] == "cursor"


@pytest.mark.parametrize("service", SERVICES)
async def test_openapi_matches_the_real_routes(service: str, tmp_path: Path) -> None:
    app = build_app(settings(tmp_path), service)  # type: ignore[arg-type]
    async with TestClient(TestServer(aiohttp_app(app))) as c:
        doc = await (await c.get("/openapi.json")).json()
    documented = {(path, m.upper()) for path, ops in doc["paths"].items() for m in ops}
    served = {
        (r.resource.canonical, r.method)
        for r in aiohttp_app(app).router.routes()
        if r.resource is not None and r.method not in {"HEAD", "OPTIONS", "*"}
    }
    assert documented == served
    for path, ops in doc["paths"].items():
        for op in ops.values():
            assert op["security"] == [] or op["x-permission"], f"{path} has no permission"


async def test_deeply_nested_json_is_a_400_not_a_crash(
    client: TestClient, auth: dict[str, str]
) -> None:
    body = "[" * 100_000 + "]" * 100_000
    resp = await client.post(
        "/api/payments", data=body, headers={**auth, "Content-Type": "application/json"}
    )
    assert resp.status in (400, 413)
    assert resp.content_type == "application/problem+json"


@pytest.mark.parametrize("cursor", ["WzFd", "WyJ4IiwieSJd", "WzUsNl0"])  # [1], ["x","y"], [5,6]
async def test_forged_cursor_is_a_400(
    client: TestClient, auth: dict[str, str], cursor: str
) -> None:
    resp = await client.get(f"/api/payments/loan/LD1?cursor={cursor}", headers=auth)
    assert resp.status == 400
    assert (await resp.json())["field"] == "cursor"
