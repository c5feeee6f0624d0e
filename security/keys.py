"""Signing keys kept as files: one PEM per kid, a `current` pointer and a `retired` list."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

# The one algorithm tokens are signed and verified with; verifiers accept nothing else.
ALGORITHM = "RS256"
KEY_BITS = 3072
# Refuse weaker keys from anywhere (files or a remote JWKS).
MIN_KEY_BITS = 2048
_KID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_CURRENT = "current"
_RETIRED = "retired"


class KeyStoreError(Exception):
    """The key directory is unusable: unsafe permissions, missing or unreadable keys."""


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def thumbprint(public_key: rsa.RSAPublicKey) -> str:
    """Return the RFC 7638 SHA-256 thumbprint, used as the kid."""
    numbers = public_key.public_numbers()
    # RFC 7638: required members only, lexicographic order, no whitespace.
    canonical = json.dumps(
        {"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)},
        separators=(",", ":"),
        sort_keys=True,
    )
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def public_jwk(kid: str, public_key: rsa.RSAPublicKey) -> dict[str, str]:
    """Return the public JWK (RFC 7517) of one key; never any private member."""
    numbers = public_key.public_numbers()
    return {
        "kty": "RSA",
        "kid": kid,
        "use": "sig",
        "alg": ALGORITHM,
        "n": _b64url_uint(numbers.n),
        "e": _b64url_uint(numbers.e),
    }


def is_kid(value: object) -> TypeGuard[str]:
    """Tell whether a value has the shape of a kid (also keeps it a safe file name)."""
    return isinstance(value, str) and _KID.fullmatch(value) is not None


@dataclass(frozen=True)
class KeySet:
    """The published keys; the current one signs, the others still verify until retired."""

    current_kid: str
    private_keys: Mapping[str, rsa.RSAPrivateKey]
    public_keys: Mapping[str, rsa.RSAPublicKey]

    @classmethod
    def load_or_create(cls, path: Path) -> KeySet:
        """Load the key directory, creating it and a first key if it does not exist."""
        _ensure_directory(path)
        if not (path / _CURRENT).exists():
            _publish_first_key(path)
        return cls.load(path)

    @classmethod
    def load(cls, path: Path) -> KeySet:
        """Load the key directory as it is; refuse it when it is readable by others."""
        _check_private(path, stat.S_IFDIR)
        retired = _read_retired(path)
        private: dict[str, rsa.RSAPrivateKey] = {}
        for pem in sorted(path.glob("*.pem")):
            kid = pem.stem
            if not is_kid(kid) or kid in retired:
                continue
            try:
                private[kid] = _read_private_key(pem)
            except KeyStoreError:
                # A process that lost the race to publish the first key removes its own
                # between our listing and our read: a key gone is not a key to serve.
                if pem.exists():
                    raise
        current = _read_current(path)
        if current not in private:
            raise KeyStoreError(f"current key {current!r} has no PEM file in {path}")
        public = {kid: key.public_key() for kid, key in private.items()}
        return cls(current_kid=current, private_keys=private, public_keys=public)

    def private_key(self, kid: str) -> rsa.RSAPrivateKey:
        """Return the private key of a published kid; KeyError otherwise."""
        return self.private_keys[kid]

    def public_key(self, kid: str) -> rsa.RSAPublicKey | None:
        """Return the public key of a published kid, or None."""
        return self.public_keys.get(kid)

    def public_jwks(self) -> dict[str, Any]:
        """Return the RFC 7517 JWK Set of every published key, current first."""
        kids = [self.current_kid, *sorted(k for k in self.public_keys if k != self.current_kid)]
        return {"keys": [public_jwk(kid, self.public_keys[kid]) for kid in kids]}


def rotate(path: Path) -> str:
    """Make a new key current; the previous ones stay published so their tokens still verify."""
    _ensure_directory(path)
    kid = _write_new_key(path)
    # Rename is atomic: readers see the old kid or the new one, never a partial file.
    tmp = _write_temp(path, kid)
    os.replace(tmp, path / _CURRENT)
    return kid


def retire(path: Path, kid: str) -> None:
    """Stop publishing a key and delete its private half; the current key cannot be retired."""
    if not is_kid(kid):
        raise KeyStoreError(f"not a kid: {kid!r}")
    if _read_current(path) == kid:
        raise KeyStoreError("the current key cannot be retired; rotate first")
    retired = _read_retired(path)
    if kid not in retired:
        # Listed before the file is deleted, so a crash in between still leaves it unpublished.
        tmp = _write_temp(path, "".join(f"{k}\n" for k in sorted(retired | {kid})))
        os.replace(tmp, path / _RETIRED)
    (path / f"{kid}.pem").unlink(missing_ok=True)


def _ensure_directory(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Another process may create it first; _check_private below verifies its mode either way.
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700)
        # mkdir's mode is filtered by the umask; state it outright.
        path.chmod(0o700)
    _check_private(path, stat.S_IFDIR)


def _check_private(path: Path, kind: int) -> None:
    try:
        info = path.stat()
    except FileNotFoundError as exc:
        raise KeyStoreError(f"{path} does not exist") from exc
    if stat.S_IFMT(info.st_mode) != kind:
        raise KeyStoreError(f"{path} is not a {'directory' if kind == stat.S_IFDIR else 'file'}")
    # Like ssh: a private key others can read is treated as already leaked.
    if info.st_mode & 0o077:
        raise KeyStoreError(f"{path} is accessible to group or others (mode {info.st_mode:o})")


def _publish_first_key(path: Path) -> None:
    kid = _write_new_key(path)
    tmp = _write_temp(path, kid)
    try:
        # link() fails if `current` exists: of two processes starting at once, one wins.
        os.link(tmp, path / _CURRENT)
    except FileExistsError:
        (path / f"{kid}.pem").unlink(missing_ok=True)
    finally:
        tmp.unlink(missing_ok=True)


def _write_new_key(path: Path) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    kid = thumbprint(key.public_key())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_exclusive(path / f"{kid}.pem", pem)
    return kid


def _write_temp(path: Path, text: str) -> Path:
    tmp = path / f".tmp-{secrets.token_hex(8)}"
    _write_exclusive(tmp, text.encode())
    return tmp


def _write_exclusive(target: Path, data: bytes) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_current(path: Path) -> str:
    try:
        kid = (path / _CURRENT).read_text().strip()
    except FileNotFoundError as exc:
        raise KeyStoreError(f"{path} has no current key") from exc
    if not is_kid(kid):
        raise KeyStoreError(f"{path / _CURRENT} does not name a kid")
    return kid


def _read_retired(path: Path) -> frozenset[str]:
    try:
        lines = (path / _RETIRED).read_text().split()
    except FileNotFoundError:
        return frozenset()
    return frozenset(line for line in lines if is_kid(line))


def _read_private_key(pem: Path) -> rsa.RSAPrivateKey:
    _check_private(pem, stat.S_IFREG)
    key = serialization.load_pem_private_key(pem.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < MIN_KEY_BITS:
        raise KeyStoreError(f"{pem} is not an RSA key of at least {MIN_KEY_BITS} bits")
    return key
