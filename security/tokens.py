"""Access tokens: signed JWTs issued by the auth service and verified locally everywhere."""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt

from security.jwks import JwksSource
from security.keys import ALGORITHM, KeySet, is_kid

# Claims every access token must carry; a token without one of them is refused.
REQUIRED_CLAIMS = ("exp", "iat", "nbf", "iss", "aud", "sub", "jti", "sid")
# Our tokens are well under 2 KiB; refusing big ones early bounds the work an attacker can cause.
MAX_TOKEN_LENGTH = 8192
# Verified tokens remembered per process (about 1 kB each): more than the staff signed in.
VERIFIED_CACHE_SIZE = 4096
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")
_MAX_TIME = 253402300800  # 10000-01-01T00:00:00Z


class Reason(StrEnum):
    MALFORMED = "MALFORMED"
    ALGORITHM_NOT_ALLOWED = "ALGORITHM_NOT_ALLOWED"
    UNKNOWN_KEY = "UNKNOWN_KEY"
    BAD_SIGNATURE = "BAD_SIGNATURE"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    WRONG_ISSUER = "WRONG_ISSUER"
    WRONG_AUDIENCE = "WRONG_AUDIENCE"
    MISSING_CLAIM = "MISSING_CLAIM"


class InvalidToken(Exception):
    """A token was refused; `reason` is a stable code for logs and audit, not for the caller."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason


@dataclass(frozen=True)
class IssuedToken:
    token: str
    jti: str
    expires_at: datetime


@dataclass(frozen=True)
class Claims:
    subject: str
    session_id: str
    jti: str
    roles: frozenset[str]
    permissions: frozenset[str]
    issued_at: datetime
    expires_at: datetime


class TokenIssuer:
    """Sign access tokens with the key set's current key."""

    def __init__(self, keyset: KeySet, issuer: str, audience: str, ttl: timedelta) -> None:
        self._keyset = keyset
        self._issuer = issuer
        self._audience = audience
        self._ttl = ttl

    def issue(
        self,
        *,
        subject: str,
        session_id: str,
        roles: Sequence[str],
        permissions: Sequence[str],
        now: datetime,
    ) -> IssuedToken:
        """Return a signed token for a user's session."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        issued = int(now.timestamp())
        expires = issued + int(self._ttl.total_seconds())
        jti = uuid.uuid4().hex
        payload = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": subject,
            "sid": session_id,
            "jti": jti,
            "iat": issued,
            "nbf": issued,
            "exp": expires,
            "roles": sorted(set(roles)),
            "perms": sorted(set(permissions)),
        }
        kid = self._keyset.current_kid
        token = jwt.encode(
            payload, self._keyset.private_key(kid), algorithm=ALGORITHM, headers={"kid": kid}
        )
        return IssuedToken(token=token, jti=jti, expires_at=datetime.fromtimestamp(expires, UTC))


class TokenVerifier:
    """Check an access token's signature and claims against one algorithm and one issuer."""

    def __init__(
        self, keys: JwksSource, issuer: str, audience: str, leeway_seconds: int = 30
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds
        # Payloads of tokens whose signature, issuer and audience were verified, by the exact
        # token text: a client sends the same token for minutes, and the RSA check is the
        # costliest part of a request. Time claims and the key's presence are checked on
        # every use, so an expired token or a retired key is refused as without the cache.
        self._verified: OrderedDict[str, dict[str, Any]] = OrderedDict()
        # Time claims are checked below against the caller's `now`, not PyJWT's own clock.
        self._jwt = jwt.PyJWT(
            options={
                "require": list(REQUIRED_CLAIMS),
                "verify_signature": True,
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_iss": True,
                "verify_aud": True,
                "strict_aud": True,
            }
        )

    def verify(self, token: str, now: datetime) -> Claims:
        """Return the claims of a valid token; raise InvalidToken otherwise."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        if len(token) > MAX_TOKEN_LENGTH:
            raise InvalidToken(Reason.MALFORMED, "token too long")
        header = _unverified_header(token)
        # Decided from the header alone, before any key is looked up: `none`, HS256 keyed with
        # our public key and every other algorithm confusion stop here.
        if header.get("alg") != ALGORITHM:
            raise InvalidToken(Reason.ALGORITHM_NOT_ALLOWED, repr(header.get("alg")))
        kid = header.get("kid")
        key = self._keys.key_for(kid) if is_kid(kid) else None
        if key is None:
            raise InvalidToken(Reason.UNKNOWN_KEY, repr(kid))
        payload = self._verified.get(token)
        if payload is None:
            payload = self._decode(token, key)
            self._verified[token] = payload
            if len(self._verified) > VERIFIED_CACHE_SIZE:
                self._verified.popitem(last=False)
        else:
            self._verified.move_to_end(token)
        return self._claims(payload, now.timestamp())

    def _decode(self, token: str, key: Any) -> dict[str, Any]:
        try:
            payload: dict[str, Any] = self._jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
            )
        except jwt.InvalidSignatureError:
            raise InvalidToken(Reason.BAD_SIGNATURE) from None
        except jwt.InvalidAlgorithmError:
            raise InvalidToken(Reason.ALGORITHM_NOT_ALLOWED) from None
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(Reason.MISSING_CLAIM, exc.claim) from None
        except jwt.InvalidIssuerError:
            raise InvalidToken(Reason.WRONG_ISSUER) from None
        except jwt.InvalidAudienceError:
            raise InvalidToken(Reason.WRONG_AUDIENCE) from None
        except jwt.PyJWTError as exc:
            raise InvalidToken(Reason.MALFORMED, str(exc)) from None
        return payload

    def _claims(self, payload: dict[str, Any], now: float) -> Claims:
        issued_at = _int_claim(payload, "iat")
        not_before = _int_claim(payload, "nbf")
        expires_at = _int_claim(payload, "exp")
        if expires_at <= now - self._leeway:
            raise InvalidToken(Reason.EXPIRED)
        if not_before > now + self._leeway or issued_at > now + self._leeway:
            raise InvalidToken(Reason.NOT_YET_VALID)
        return Claims(
            subject=_str_claim(payload, "sub"),
            session_id=_str_claim(payload, "sid"),
            jti=_str_claim(payload, "jti"),
            roles=_str_set_claim(payload, "roles"),
            permissions=_str_set_claim(payload, "perms"),
            issued_at=datetime.fromtimestamp(issued_at, UTC),
            expires_at=datetime.fromtimestamp(expires_at, UTC),
        )


def _unverified_header(token: str) -> dict[str, Any]:
    # Our own strict parse rather than jwt.get_unverified_header: PyJWT checks the alphabet one
    # character at a time in Python, and decode() below repeats the whole parse anyway.
    segments = token.split(".")
    if len(segments) != 3 or not _SEGMENT.fullmatch(segments[0]):
        raise InvalidToken(Reason.MALFORMED, "not a compact JWS")
    try:
        raw = base64.urlsafe_b64decode(segments[0] + "=" * (-len(segments[0]) % 4))
        header = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError):
        raise InvalidToken(Reason.MALFORMED, "unreadable header") from None
    if not isinstance(header, dict):
        raise InvalidToken(Reason.MALFORMED, "header is not an object")
    return header


def _int_claim(payload: dict[str, Any], name: str) -> int:
    value = payload[name]
    # bool is an int to Python but never a valid NumericDate; the bound keeps datetime happy.
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < _MAX_TIME:
        raise InvalidToken(Reason.MALFORMED, f"{name} is not an integer")
    return value


def _str_claim(payload: dict[str, Any], name: str) -> str:
    value = payload[name]
    if not isinstance(value, str) or not value:
        raise InvalidToken(Reason.MALFORMED, f"{name} is not a string")
    return value


def _str_set_claim(payload: dict[str, Any], name: str) -> frozenset[str]:
    value = payload.get(name)
    if value is None:
        raise InvalidToken(Reason.MISSING_CLAIM, name)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidToken(Reason.MALFORMED, f"{name} is not a list of strings")
    return frozenset(value)
