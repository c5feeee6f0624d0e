"""JWKS sources: parsing a published key set and the remote cache other services keep."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from security.jwks import JWKS_PATH, RemoteJwks, parse_jwks
from security.keys import KeySet, public_jwk, rotate

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "jwt"
    KeySet.load_or_create(path)
    return path


def _jwk(key_dir: Path, **overrides: Any) -> dict[str, Any]:
    keys = KeySet.load(key_dir)
    jwk: dict[str, Any] = public_jwk(keys.current_kid, keys.public_keys[keys.current_kid])
    jwk.update(overrides)
    return {k: v for k, v in jwk.items() if v is not None}


def test_published_key_set_parses(key_dir: Path) -> None:
    keys = KeySet.load(key_dir)
    parsed = parse_jwks(keys.public_jwks())
    assert set(parsed) == set(keys.public_keys)
    for kid, key in parsed.items():
        assert key.public_numbers() == keys.public_keys[kid].public_numbers()


@pytest.mark.parametrize(
    "overrides",
    [
        {"kty": "oct"},
        {"alg": "HS256"},
        {"alg": "none"},
        {"use": "enc"},
        {"d": "AQAB"},  # a private key has no business in a JWKS
        {"kid": None},
        {"kid": "../x"},
        {"n": "!!!"},
        {"n": None},
        {"n": "AQAB"},  # far below the minimum key size
    ],
)
def test_unusable_entries_are_skipped(key_dir: Path, overrides: dict[str, Any]) -> None:
    assert parse_jwks({"keys": [_jwk(key_dir, **overrides), "junk"]}) == {}


@pytest.mark.parametrize("document", [None, [], {"keys": "x"}, {"no": []}])
def test_non_jwks_documents_are_rejected(document: object) -> None:
    with pytest.raises(ValueError, match="JWK Set"):
        parse_jwks(document)


class _Server:
    def __init__(self, key_dir: Path) -> None:
        self.key_dir = key_dir
        self.hits = 0

    async def jwks(self, request: web.Request) -> web.Response:
        self.hits += 1
        return web.json_response(KeySet.load(self.key_dir).public_jwks())


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[_Server, str]]:
    path = tmp_path / "jwt"
    KeySet.load_or_create(path)
    server = _Server(path)
    app = web.Application()
    app.router.add_get(JWKS_PATH, server.jwks)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield server, f"http://127.0.0.1:{port}{JWKS_PATH}"
    finally:
        await runner.cleanup()


async def test_rotation_is_picked_up_without_restart(served: tuple[_Server, str]) -> None:
    server, url = served
    remote = RemoteJwks(url)
    assert remote.stale(NOW)
    assert await remote.refresh(NOW)
    first = KeySet.load(server.key_dir).current_kid
    assert remote.key_for(first) is not None

    new_kid = rotate(server.key_dir)
    assert remote.key_for(new_kid) is None
    assert await remote.refresh(NOW + timedelta(seconds=31))
    assert remote.key_for(new_kid) is not None
    assert remote.key_for(first) is not None


async def test_unknown_kids_cannot_make_it_hammer_the_endpoint(
    served: tuple[_Server, str],
) -> None:
    server, url = served
    remote = RemoteJwks(url)
    await remote.refresh(NOW)
    # An attacker sends a stream of random kids; each would ask for a refresh.
    fetched = [await remote.refresh(NOW + timedelta(seconds=s)) for s in range(0, 30, 3)]
    assert fetched == [False] * 10
    assert server.hits == 1
    assert await remote.refresh(NOW + timedelta(seconds=30))
    assert server.hits == 2


async def test_cache_goes_stale_after_its_ttl(served: tuple[_Server, str]) -> None:
    _, url = served
    remote = RemoteJwks(url, ttl_seconds=300)
    await remote.refresh(NOW)
    assert not remote.stale(NOW + timedelta(seconds=299))
    assert remote.stale(NOW + timedelta(seconds=300))
