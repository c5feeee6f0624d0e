"""Opaque refresh tokens: random, stored only as a digest, compared in constant time."""

from __future__ import annotations

import hashlib

import pytest

from security.refresh import hash_refresh_token, is_well_formed, matches, new_refresh_token


def test_new_token_comes_with_its_stored_digest() -> None:
    token, digest = new_refresh_token()
    assert digest == hashlib.sha256(token.encode()).hexdigest() == hash_refresh_token(token)
    assert len(digest) == 64 and token not in digest
    assert is_well_formed(token)


def test_tokens_do_not_repeat() -> None:
    tokens = {new_refresh_token()[0] for _ in range(1000)}
    assert len(tokens) == 1000


def test_presented_token_matches_only_its_own_digest() -> None:
    token, digest = new_refresh_token()
    other, _ = new_refresh_token()
    assert matches(token, digest)
    assert not matches(other, digest)
    assert not matches(digest, digest)


@pytest.mark.parametrize(
    "value", ["", "short", "A" * 42, "A" * 44, "A" * 42 + "=", "A" * 42 + "*", "A" * 42 + "\x00"]
)
def test_values_that_cannot_be_ours_are_not_well_formed(value: str) -> None:
    assert not is_well_formed(value)
