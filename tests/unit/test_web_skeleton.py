"""The web skeleton as a client sees it: problem details, the auth hook, OpenAPI = routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from crm.settings import SERVICES, Settings
from streams.app import aiohttp_app
from streams.services import build_app

TOKEN = "unit-test-token"


def settings(tmp_path: Path) -> Settings:
    return Settings(store="memory://", dev_token=SecretStr(TOKEN), data_dir=tmp_path)


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    app = build_app(settings(tmp_path), "payments")
    async with TestClient(TestServer(aiohttp_app(app))) as c:
        yield c


AUTH = {"Authorization": f"Bearer {TOKEN}"}


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


async def test_invalid_body_names_the_field(client: TestClient) -> None:
    resp = await client.post(
        "/api/payments",
        json={
            "referenceNumber": "FT1",
            "loanAccountNumber": "LD1",
            "amount": "-1",
            "currency": "VND",
            "paidAt": "2026-01-01T00:00:00Z",
        },
        headers=AUTH,
    )
    assert resp.status == 400
    body = await resp.json()
    assert body["code"] == "VALIDATION_ERROR"
    assert body["field"] == "amount"
    assert body["requestId"]


async def test_non_json_body_is_rejected(client: TestClient) -> None:
    resp = await client.post(
        "/api/payments", data="{oops", headers={**AUTH, "Content-Type": "application/json"}
    )
    assert resp.status == 400
    assert (await resp.json())["code"] == "INVALID_JSON"


async def test_unknown_route_is_problem_404(client: TestClient) -> None:
    resp = await client.get("/api/nothing-here", headers=AUTH)
    assert resp.status == 404
    assert resp.content_type == "application/problem+json"


async def test_bad_cursor_is_400(client: TestClient) -> None:
    resp = await client.get("/api/payments/loan/LD1?cursor=%%%", headers=AUTH)
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


async def test_deeply_nested_json_is_a_400_not_a_crash(client: TestClient) -> None:
    body = "[" * 100_000 + "]" * 100_000
    resp = await client.post(
        "/api/payments", data=body, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert resp.status in (400, 413)
    assert resp.content_type == "application/problem+json"


@pytest.mark.parametrize("cursor", ["WzFd", "WyJ4IiwieSJd", "WzUsNl0"])  # [1], ["x","y"], [5,6]
async def test_forged_cursor_is_a_400(client: TestClient, cursor: str) -> None:
    resp = await client.get(f"/api/payments/loan/LD1?cursor={cursor}", headers=AUTH)
    assert resp.status == 400
    assert (await resp.json())["field"] == "cursor"
