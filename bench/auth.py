"""Auth costs: logins against the real AD, local token checks, and the hook's added latency."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp.test_utils import make_mocked_request

from bench.report import Progress, Result, rate
from crm.settings import Settings
from integrations.ldap_directory import LdapDirectory
from security.access import AccessChecker
from security.jwks import LocalJwks
from security.keys import KeySet
from security.tokens import TokenIssuer, TokenVerifier
from streams.revocations import RevocationView
from streams.services import build_app
from web.auth import authenticate


async def _logins(settings: Settings, username: str, password: str, count: int) -> float:
    directory = LdapDirectory(settings)
    progress = Progress("AD logins", count)
    started = time.perf_counter()
    for i in range(count):
        await directory.authenticate(username, password)
        progress.update(i + 1)
    return rate(count, time.perf_counter() - started)


def _token(keyset: KeySet) -> str:
    issuer = TokenIssuer(keyset, "crm-auth", "crm", timedelta(minutes=15))
    now = datetime.now(UTC)
    return issuer.issue(
        subject="bench", session_id="bench", roles=["AGENT"], permissions=["loans:read"], now=now
    ).token


async def _hook_latencies(settings: Settings, keyset: KeySet, count: int) -> list[float]:
    """Seconds the hook takes per request: JWT check, revocation lookup, principal."""
    app = build_app(settings.model_copy(update={"store": "memory://"}), "payments")
    app.access = AccessChecker(
        TokenVerifier(LocalJwks(keyset), "crm-auth", "crm"), RevocationView(settings)
    )
    request = make_mocked_request(
        "GET", "/x", headers={"Authorization": f"Bearer {_token(keyset)}"}
    )
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        await authenticate(request, app)
        samples.append(time.perf_counter() - started)
    return samples


def auth_costs(
    settings: Settings, username: str, password: str, logins: int, checks: int
) -> list[Result]:
    """AD logins/s, token checks/s and the hook's p99 (µs) on this machine."""
    with tempfile.TemporaryDirectory() as tmp:
        keyset = KeySet.load_or_create(Path(tmp) / "jwt")
        verifier = TokenVerifier(LocalJwks(keyset), "crm-auth", "crm")
        token, now = _token(keyset), datetime.now(UTC)
        progress = Progress("token checks", checks)
        started = time.perf_counter()
        for i in range(checks):
            verifier.verify(token, now)
            if i % 1000 == 0:
                progress.update(i)
        verify_rate = rate(checks, time.perf_counter() - started)
        samples = asyncio.run(_hook_latencies(settings, keyset, checks))
    p99_us = statistics.quantiles(samples, n=100)[98] * 1_000_000
    login_rate = asyncio.run(_logins(settings, username, password, logins))
    return [
        Result("AD logins (sequential, real bind)", login_rate, "logins/s"),
        Result("access token verifications", verify_rate, "checks/s"),
        Result("auth hook added latency p99", p99_us, "µs", note="goal < 1000 µs"),
    ]
