"""Signing keys on disk: creation, file modes, JWKS contents, rotation and retirement."""

from __future__ import annotations

import stat
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from security.keys import ALGORITHM, KEY_BITS, KeySet, KeyStoreError, retire, rotate, thumbprint


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(scope="module")
def rotated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A key directory whose first key was rotated out by a second one."""
    path = tmp_path_factory.mktemp("keys") / "jwt"
    first = KeySet.load_or_create(path).current_kid
    second = rotate(path)
    return path, first, second


def test_creation_makes_private_directory_and_files(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "jwt"
    keys = KeySet.load_or_create(path)
    assert _mode(path) == 0o700
    pem = path / f"{keys.current_kid}.pem"
    assert _mode(pem) == 0o600
    assert _mode(path / "current") == 0o600
    assert (path / "current").read_text().strip() == keys.current_kid
    assert keys.private_key(keys.current_kid).key_size == KEY_BITS


def test_loading_again_keeps_the_same_key(rotated: tuple[Path, str, str]) -> None:
    path, _, second = rotated
    assert KeySet.load_or_create(path).current_kid == second
    assert KeySet.load(path).current_kid == second


def test_kid_is_rfc7638_thumbprint(rotated: tuple[Path, str, str]) -> None:
    path, first, second = rotated
    keys = KeySet.load(path)
    for kid in (first, second):
        public = keys.public_key(kid)
        assert public is not None
        assert thumbprint(public) == kid


def test_jwks_publishes_every_key_without_private_parts(rotated: tuple[Path, str, str]) -> None:
    path, first, second = rotated
    jwks = KeySet.load(path).public_jwks()
    assert [k["kid"] for k in jwks["keys"]] == [second, first]
    for jwk in jwks["keys"]:
        assert set(jwk) == {"kty", "kid", "use", "alg", "n", "e"}
        assert (jwk["kty"], jwk["use"], jwk["alg"]) == ("RSA", "sig", ALGORITHM)
        assert jwk["e"] == "AQAB"


def test_rotation_keeps_previous_key_published(rotated: tuple[Path, str, str]) -> None:
    path, first, second = rotated
    keys = KeySet.load(path)
    assert first != second
    assert keys.current_kid == second
    assert keys.public_key(first) is not None


def test_retire_unpublishes_and_deletes_private_key(tmp_path: Path) -> None:
    path = tmp_path / "jwt"
    old = KeySet.load_or_create(path).current_kid
    new = rotate(path)
    retire(path, old)
    keys = KeySet.load(path)
    assert keys.public_key(old) is None
    assert [k["kid"] for k in keys.public_jwks()["keys"]] == [new]
    assert not (path / f"{old}.pem").exists()
    assert old in (path / "retired").read_text().split()


def test_current_key_cannot_be_retired(rotated: tuple[Path, str, str]) -> None:
    path, _, second = rotated
    with pytest.raises(KeyStoreError):
        retire(path, second)


@pytest.mark.parametrize("kid", ["../current", "", "a/b", "x" * 100])
def test_retire_refuses_what_is_not_a_kid(rotated: tuple[Path, str, str], kid: str) -> None:
    with pytest.raises(KeyStoreError):
        retire(rotated[0], kid)


@pytest.mark.parametrize(("target", "mode"), [("dir", 0o750), ("pem", 0o640), ("pem", 0o604)])
def test_keys_readable_by_others_are_refused(tmp_path: Path, target: str, mode: int) -> None:
    path = tmp_path / "jwt"
    kid = KeySet.load_or_create(path).current_kid
    (path if target == "dir" else path / f"{kid}.pem").chmod(mode)
    with pytest.raises(KeyStoreError, match="group or others"):
        KeySet.load(path)


def test_missing_current_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "jwt"
    kid = KeySet.load_or_create(path).current_kid
    (path / f"{kid}.pem").unlink()
    with pytest.raises(KeyStoreError, match="no PEM"):
        KeySet.load(path)


def _current_kid(path: Path) -> str:
    return KeySet.load_or_create(path).current_kid


def test_two_processes_starting_at_once_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "jwt"
    with ProcessPoolExecutor(max_workers=2) as pool:
        kids = list(pool.map(_current_kid, [path, path]))
    assert kids[0] == kids[1]
    # The loser's key was removed; only the winner's is published.
    assert [p.stem for p in path.glob("*.pem")] == [kids[0]]
    assert not list(path.glob(".tmp-*"))
