"""Where a verifier finds public keys: the local key set, or the auth service's JWKS endpoint."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

import aiohttp
from cryptography.hazmat.primitives.asymmetric import rsa

from security.keys import ALGORITHM, MIN_KEY_BITS, KeySet, is_kid

JWKS_PATH = "/api/auth/.well-known/jwks.json"
# A key set is a few kilobytes; anything much larger is not one.
_MAX_BODY = 64 * 1024


class JwksSource(Protocol):
    """Public keys by kid; synchronous so a request's token check never waits on I/O."""

    def key_for(self, kid: str) -> rsa.RSAPublicKey | None:
        """Return the public key for a kid, or None when it is not (or no longer) published."""
        ...


class LocalJwks:
    """The auth service's own key set."""

    def __init__(self, keyset: KeySet) -> None:
        self._keyset = keyset

    def key_for(self, kid: str) -> rsa.RSAPublicKey | None:
        """Return the public key for a kid, or None."""
        return self._keyset.public_key(kid)


def _b64url_int(value: object) -> int:
    if not isinstance(value, str) or not value:
        raise ValueError("not a base64url string")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not a base64url string") from exc
    return int.from_bytes(raw, "big")


def parse_jwks(document: object) -> dict[str, rsa.RSAPublicKey]:
    """Return the usable signing keys of a JWK Set by kid; skip every entry that is not one."""
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWK Set")
    keys: dict[str, rsa.RSAPublicKey] = {}
    for jwk in document["keys"]:
        if not isinstance(jwk, Mapping) or not is_kid(jwk.get("kid")):
            continue
        # Only public RSA signing keys for our one algorithm; a "d" would mean a leaked private key.
        if jwk.get("kty") != "RSA" or jwk.get("alg", ALGORITHM) != ALGORITHM:
            continue
        if jwk.get("use", "sig") != "sig" or "d" in jwk:
            continue
        try:
            key = rsa.RSAPublicNumbers(_b64url_int(jwk["e"]), _b64url_int(jwk["n"])).public_key()
        except (KeyError, ValueError):
            continue
        if key.key_size >= MIN_KEY_BITS:
            keys[jwk["kid"]] = key
    return keys


class RemoteJwks:
    """Another service's cached copy of the auth service's JWKS."""

    def __init__(
        self,
        url: str,
        *,
        ttl_seconds: float = 300,
        min_interval_seconds: float = 30,
        timeout_seconds: float = 5,
    ) -> None:
        self._url = url
        self._ttl = timedelta(seconds=ttl_seconds)
        # Unknown kids are attacker-controlled; this bounds how often they can make us fetch.
        self._min_interval = timedelta(seconds=min_interval_seconds)
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._keys: dict[str, rsa.RSAPublicKey] = {}
        self._fetched_at: datetime | None = None
        self._attempted_at: datetime | None = None
        # Concurrent requests that all meet a new kid share one fetch.
        self._lock = asyncio.Lock()

    def key_for(self, kid: str) -> rsa.RSAPublicKey | None:
        """Return the cached public key for a kid, or None."""
        return self._keys.get(kid)

    def stale(self, now: datetime) -> bool:
        """Tell whether the cache is older than its time to live (or was never filled)."""
        return self._fetched_at is None or now - self._fetched_at >= self._ttl

    async def refresh(self, now: datetime) -> bool:
        """Fetch the key set unless a fetch was tried within the minimum interval."""
        async with self._lock:
            if self._attempted_at is not None and now - self._attempted_at < self._min_interval:
                return False
            self._attempted_at = now
            document = await self._fetch()
            # Replace, not merge: a key the auth service retired must stop verifying here too.
            self._keys = parse_jwks(document)
            self._fetched_at = now
            return True

    async def _fetch(self) -> Any:
        async with (
            aiohttp.ClientSession(timeout=self._timeout) as session,
            session.get(self._url, allow_redirects=False) as response,
        ):
            response.raise_for_status()
            body = await response.content.read(_MAX_BODY + 1)
        if len(body) > _MAX_BODY:
            raise ValueError(f"JWKS from {self._url} is larger than {_MAX_BODY} bytes")
        return json.loads(body)
