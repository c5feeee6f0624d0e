"""Access tokens: what a security reviewer will throw at the verifier, and rotation."""

from __future__ import annotations

import base64
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from security.jwks import LocalJwks
from security.keys import KeySet, public_jwk, retire, rotate
from security.tokens import REQUIRED_CLAIMS, InvalidToken, Reason, TokenIssuer, TokenVerifier

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
ISSUER, AUDIENCE = "crm-auth", "crm"


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> KeySet:
    return KeySet.load_or_create(tmp_path_factory.mktemp("keys") / "jwt")


@pytest.fixture(scope="module")
def verifier(keys: KeySet) -> TokenVerifier:
    return TokenVerifier(LocalJwks(keys), ISSUER, AUDIENCE)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(NOW.timestamp())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "agent1",
        "sid": "s-1",
        "jti": "j-1",
        "iat": now,
        "nbf": now,
        "exp": now + 900,
        "roles": ["AGENT"],
        "perms": ["customers:read"],
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _signed(keys: KeySet, claims: dict[str, Any]) -> str:
    kid = keys.current_kid
    return jwt.encode(claims, keys.private_key(kid), algorithm="RS256", headers={"kid": kid})


def _raw(header: dict[str, Any], claims: dict[str, Any], secret: bytes | None) -> str:
    """Build a token by hand, as an attacker would, HMAC-signed with `secret` if given."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = b"" if secret is None else hmac.digest(secret, signing_input.encode(), "sha256")
    return f"{signing_input}.{_b64(signature)}"


def _reason(verifier: TokenVerifier, token: str, now: datetime = NOW) -> Reason:
    with pytest.raises(InvalidToken) as err:
        verifier.verify(token, now)
    return err.value.reason


def test_issued_token_verifies_with_its_claims(keys: KeySet, verifier: TokenVerifier) -> None:
    issuer = TokenIssuer(keys, ISSUER, AUDIENCE, timedelta(minutes=15))
    issued = issuer.issue(
        subject="agent1", session_id="s-9", roles=["AGENT"], permissions=["loans:read"], now=NOW
    )
    assert jwt.get_unverified_header(issued.token)["kid"] == keys.current_kid
    claims = verifier.verify(issued.token, NOW)
    assert (claims.subject, claims.session_id, claims.jti) == ("agent1", "s-9", issued.jti)
    assert claims.roles == {"AGENT"} and claims.permissions == {"loans:read"}
    assert claims.issued_at == NOW
    assert claims.expires_at == issued.expires_at == NOW + timedelta(minutes=15)
    assert len(issued.jti) == 32


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_is_refused(keys: KeySet, verifier: TokenVerifier, alg: str) -> None:
    token = _raw({"alg": alg, "typ": "JWT", "kid": keys.current_kid}, _claims(), None)
    assert _reason(verifier, token) is Reason.ALGORITHM_NOT_ALLOWED


@pytest.mark.parametrize("secret_form", ["pem", "pem-pkcs1", "jwk", "jwks"])
def test_hs256_keyed_with_our_public_key_is_refused(
    keys: KeySet, verifier: TokenVerifier, secret_form: str
) -> None:
    public = keys.private_key(keys.current_kid).public_key()
    secrets = {
        "pem": public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "pem-pkcs1": public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.PKCS1
        ),
        "jwk": json.dumps(public_jwk(keys.current_kid, public)).encode(),
        "jwks": json.dumps(keys.public_jwks()).encode(),
    }
    header = {"alg": "HS256", "typ": "JWT", "kid": keys.current_kid}
    token = _raw(header, _claims(roles=["ADMIN"]), secrets[secret_form])
    assert _reason(verifier, token) is Reason.ALGORITHM_NOT_ALLOWED


@pytest.mark.parametrize("alg", ["RS384", "RS512", "PS256"])
def test_other_asymmetric_algorithms_are_refused(
    keys: KeySet, verifier: TokenVerifier, alg: str
) -> None:
    private = keys.private_key(keys.current_kid)
    token = jwt.encode(_claims(), private, algorithm=alg, headers={"kid": keys.current_kid})
    assert _reason(verifier, token) is Reason.ALGORITHM_NOT_ALLOWED


class _SpyJwks:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def key_for(self, kid: str) -> rsa.RSAPublicKey | None:
        self.asked.append(kid)
        return None


@pytest.mark.parametrize("alg", ["none", "HS256", "RS512", ""])
def test_algorithm_is_refused_before_any_key_lookup(keys: KeySet, alg: str) -> None:
    spy = _SpyJwks()
    token = _raw({"alg": alg, "kid": keys.current_kid}, _claims(), b"x")
    assert _reason(TokenVerifier(spy, ISSUER, AUDIENCE), token) is Reason.ALGORITHM_NOT_ALLOWED
    assert spy.asked == []


def _rs256(header: dict[str, Any], claims: dict[str, Any], private: rsa.RSAPrivateKey) -> str:
    """Sign a hand-made header and payload with RS256, whatever the header holds."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = private.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64(signature)}"


@pytest.mark.parametrize("kid", [None, "", "A" * 43, "../../../etc/passwd", "current", 42, ["k"]])
def test_missing_or_unknown_kid_is_refused(keys: KeySet, verifier: TokenVerifier, kid: Any) -> None:
    header: dict[str, Any] = {"alg": "RS256", "typ": "JWT"}
    if kid is not None:
        header["kid"] = kid
    token = _rs256(header, _claims(), keys.private_key(keys.current_kid))
    assert _reason(verifier, token) is Reason.UNKNOWN_KEY


def test_hand_signed_token_with_our_kid_verifies(keys: KeySet, verifier: TokenVerifier) -> None:
    # Proves the helper above signs correctly, so the refusals there are about the kid.
    header = {"alg": "RS256", "typ": "JWT", "kid": keys.current_kid}
    token = _rs256(header, _claims(), keys.private_key(keys.current_kid))
    assert verifier.verify(token, NOW).subject == "agent1"


def test_tampered_payload_is_refused(keys: KeySet, verifier: TokenVerifier) -> None:
    header, _, signature = _signed(keys, _claims()).split(".")
    forged = _b64(json.dumps(_claims(roles=["ADMIN"], perms=["users:manage"])).encode())
    assert _reason(verifier, f"{header}.{forged}.{signature}") is Reason.BAD_SIGNATURE


def test_token_signed_by_another_key_under_our_kid_is_refused(
    keys: KeySet, verifier: TokenVerifier
) -> None:
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(_claims(), attacker, algorithm="RS256", headers={"kid": keys.current_kid})
    assert _reason(verifier, token) is Reason.BAD_SIGNATURE


@pytest.mark.parametrize(
    ("claims", "now", "reason"),
    [
        (_claims(exp=int(NOW.timestamp()) - 31), NOW, Reason.EXPIRED),
        (_claims(exp=int(NOW.timestamp()) - 30), NOW, Reason.EXPIRED),
        (_claims(), NOW + timedelta(minutes=16), Reason.EXPIRED),
        (_claims(nbf=int(NOW.timestamp()) + 31), NOW, Reason.NOT_YET_VALID),
        (_claims(iat=int(NOW.timestamp()) + 3600), NOW, Reason.NOT_YET_VALID),
        (_claims(), NOW - timedelta(minutes=5), Reason.NOT_YET_VALID),
        (_claims(iss="someone-else"), NOW, Reason.WRONG_ISSUER),
        (_claims(aud="other-app"), NOW, Reason.WRONG_AUDIENCE),
        (_claims(aud=["crm", "other-app"]), NOW, Reason.WRONG_AUDIENCE),
        (_claims(exp="tomorrow"), NOW, Reason.MALFORMED),
        (_claims(exp=True), NOW, Reason.MALFORMED),
        (_claims(exp=10**30), NOW, Reason.MALFORMED),
        (_claims(roles="ADMIN"), NOW, Reason.MALFORMED),
        (_claims(sub=7), NOW, Reason.MALFORMED),
    ],
)
def test_claims_are_checked(
    keys: KeySet, verifier: TokenVerifier, claims: dict[str, Any], now: datetime, reason: Reason
) -> None:
    assert _reason(verifier, _signed(keys, claims), now) is reason


@pytest.mark.parametrize("seconds", [29, 0, -29])
def test_clock_skew_within_leeway_is_tolerated(
    keys: KeySet, verifier: TokenVerifier, seconds: int
) -> None:
    # A token from a clock up to 29 s ahead, or one that expired up to 29 s ago, still passes.
    at = int(NOW.timestamp()) + seconds
    token = _signed(keys, _claims(iat=at, nbf=at, exp=at + 900 if seconds > 0 else at))
    assert verifier.verify(token, NOW).subject == "agent1"


@pytest.mark.parametrize("claim", [*REQUIRED_CLAIMS, "roles", "perms"])
def test_missing_required_claim_is_refused(
    keys: KeySet, verifier: TokenVerifier, claim: str
) -> None:
    claims = _claims()
    del claims[claim]
    assert _reason(verifier, _signed(keys, claims)) is Reason.MISSING_CLAIM


@pytest.mark.parametrize(
    "token", ["", "abc", "a.b.c", "a.b", "....", "WzFd.e30.", "e30K!.e30.", "x" * 9000]
)
def test_malformed_tokens_are_refused(verifier: TokenVerifier, token: str) -> None:
    assert _reason(verifier, token) is Reason.MALFORMED


def test_stripped_signature_is_refused(keys: KeySet, verifier: TokenVerifier) -> None:
    header, payload, _ = _signed(keys, _claims()).split(".")
    assert _reason(verifier, f"{header}.{payload}.") is Reason.BAD_SIGNATURE


def test_rotation_keeps_old_tokens_valid_until_the_key_is_retired(tmp_path: Path) -> None:
    path = tmp_path / "jwt"
    old_keys = KeySet.load_or_create(path)
    ttl = timedelta(minutes=15)
    old = TokenIssuer(old_keys, ISSUER, AUDIENCE, ttl).issue(
        subject="u", session_id="s", roles=[], permissions=[], now=NOW
    )
    new_kid = rotate(path)
    new_keys = KeySet.load(path)
    new = TokenIssuer(new_keys, ISSUER, AUDIENCE, ttl).issue(
        subject="u", session_id="s", roles=[], permissions=[], now=NOW
    )
    assert jwt.get_unverified_header(new.token)["kid"] == new_kid
    after_rotation = TokenVerifier(LocalJwks(new_keys), ISSUER, AUDIENCE)
    assert after_rotation.verify(old.token, NOW).jti == old.jti
    assert after_rotation.verify(new.token, NOW).jti == new.jti

    retire(path, old_keys.current_kid)
    after_retirement = TokenVerifier(LocalJwks(KeySet.load(path)), ISSUER, AUDIENCE)
    assert _reason(after_retirement, old.token) is Reason.UNKNOWN_KEY
    assert after_retirement.verify(new.token, NOW).jti == new.jti


def test_naive_time_is_a_programming_error(verifier: TokenVerifier) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        verifier.verify("a.b.c", datetime(2026, 1, 1))


def test_hand_made_hs256_tokens_are_real_ones() -> None:
    # Guards the HS256 attack above: PyJWT, told to trust HS256, accepts what _raw signs.
    secret = b"k" * 32
    token = _raw({"alg": "HS256", "typ": "JWT"}, {"a": 1}, secret)
    assert jwt.decode(token, secret, algorithms=["HS256"]) == {"a": 1}


class _RetirableJwks:
    """Our keys, until the test retires them."""

    def __init__(self, keys: KeySet) -> None:
        self.keys, self.retired = keys, False

    def key_for(self, kid: str) -> rsa.RSAPublicKey | None:
        return None if self.retired else self.keys.public_key(kid)


def test_a_token_verified_once_is_still_checked_on_every_use(keys: KeySet) -> None:
    jwks = _RetirableJwks(keys)
    checker = TokenVerifier(jwks, ISSUER, AUDIENCE)
    token = _signed(keys, _claims())
    assert checker.verify(token, NOW).jti == "j-1"
    assert checker.verify(token, NOW + timedelta(minutes=5)).jti == "j-1"
    # Remembered, the token still expires, and a retired key still refuses it.
    assert _reason(checker, token, NOW + timedelta(hours=1)) is Reason.EXPIRED
    jwks.retired = True
    assert _reason(checker, token) is Reason.UNKNOWN_KEY
    # A token differing only in its signature is not the remembered one.
    jwks.retired = False
    head, body, signature = token.split(".")
    forged = f"{head}.{body}.{signature[:-4]}AAAA"
    assert _reason(checker, forged) is Reason.BAD_SIGNATURE
