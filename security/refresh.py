"""Opaque refresh tokens: random values handed to the client, stored only as digests."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

_TOKEN_BYTES = 32
# 32 bytes in unpadded base64url are exactly 43 characters.
_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def new_refresh_token() -> tuple[str, str]:
    """Return a new token for the client and the SHA-256 hex digest to store."""
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    return token, hash_refresh_token(token)


def is_well_formed(token: str) -> bool:
    """Tell whether a presented value could be one of ours, before any database lookup."""
    return _SHAPE.fullmatch(token) is not None


def hash_refresh_token(token: str) -> str:
    """Return the stored form of a token."""
    # Plain SHA-256 suffices: with 256 random bits, unlike a password, the token cannot be
    # guessed back from its digest, and a lookup by digest stays one index probe.
    return hashlib.sha256(token.encode()).hexdigest()


def matches(token: str, stored_digest: str) -> bool:
    """Compare a presented token with a stored digest in constant time."""
    return hmac.compare_digest(hash_refresh_token(token), stored_digest)
