"""Walk every service's OpenAPI document: only the deliberate few routes are anonymous, and
every other route really answers 401 to a caller without a token."""

from __future__ import annotations

import re

import aiohttp
import pytest

from crm.settings import SERVICES, Settings

# Login and refresh must be reachable to get a token at all; JWKS so services can verify;
# the ops endpoints live on the service ports only (nginx does not route them).
ANONYMOUS = {
    "/api/auth/login",
    "/api/auth/token/refresh",
    "/api/auth/.well-known/jwks.json",
    "/health",
    "/ready",
    "/metrics",
    "/openapi.json",
    # The dashboard's static page and files: no data; it signs in and calls the API itself.
    "/dashboard",
    "/dashboard/{asset}",
}
# No token either, but refused without the payment gateway's HMAC signature.
SIGNED = {"/api/payments/notification"}


@pytest.mark.parametrize("service", SERVICES)
async def test_only_deliberate_routes_are_anonymous(system: Settings, service: str) -> None:
    base = f"http://127.0.0.1:{system.web_port(service)}"  # type: ignore[arg-type]
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/openapi.json") as resp:
            doc = await resp.json()
        assert doc["paths"], "a service with no documented routes proves nothing"
        for path, operations in doc["paths"].items():
            for method, op in operations.items():
                if op["security"] == [] and path not in SIGNED:
                    assert path in ANONYMOUS, f"{method.upper()} {path} is anonymous"
                    continue
                concrete = re.sub(r"{\w+}", "x", path)
                async with http.request(method.upper(), f"{base}{concrete}") as resp:
                    assert resp.status == 401, f"{method.upper()} {path} -> {resp.status}"
