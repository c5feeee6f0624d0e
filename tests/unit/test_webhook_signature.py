"""The gateway's webhook signature: what is accepted, what is refused and why, and rotation."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from pathlib import Path

import pytest

from crm.settings import Settings
from domain.payments import Channel
from runtime.webhook_secrets import ensure_webhook_secrets
from security.webhook_signature import (
    GATEWAY_CHANNELS,
    RECHECK_SECONDS,
    Refusal,
    SecretFiles,
    SignatureRefused,
    sign,
    verify,
)

NOW = 1_764_400_000
TOLERANCE = 300
CURRENT, PREVIOUS = "current-secret-for-tests", "previous-secret-for-tests"
BODY = b'{"referenceNumber":"FT1","channel":"MOBILE","amount":"1500000"}'


def secrets(channel: Channel) -> tuple[str, ...]:
    return (CURRENT, PREVIOUS) if channel is Channel.MOBILE else ()


def headers(
    secret: str = CURRENT, timestamp: int = NOW, body: bytes = BODY, channel: str = "MOBILE"
) -> dict[str, str]:
    return {
        "X-Payment-Channel": channel,
        "X-Payment-Timestamp": str(timestamp),
        "X-Payment-Signature": sign(secret, timestamp, body),
    }


def refusal(head: dict[str, str], body: bytes = BODY) -> Refusal:
    with pytest.raises(SignatureRefused) as caught:
        verify(head, body, secrets, now=NOW, tolerance_seconds=TOLERANCE)
    return caught.value.reason


def test_sign_is_hmac_sha256_over_timestamp_dot_body() -> None:
    expected = hmac.new(CURRENT.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(CURRENT, NOW, BODY) == f"v1={expected}"


def test_the_documented_example_signs_as_documented() -> None:
    """docs/payment-webhook.md's worked example: integrators check their code against it."""
    body = (
        b'{"referenceNumber":"FT26334001","loanAccountNumber":"LD2401234567","amount":"1500000",'
        b'"currency":"VND","paidAt":"2026-11-28T10:00:00+07:00","channel":"MOBILE"}'
    )
    expected = "v1=55fa9250b5e50887eae10c019708d633ac738a45c4f3c754781e074ed21878d8"
    assert sign("EXAMPLE-ONLY-not-a-real-secret", 1795834860, body) == expected


@pytest.mark.parametrize("secret", [CURRENT, PREVIOUS])
def test_either_valid_secret_is_accepted(secret: str) -> None:
    assert verify(headers(secret), BODY, secrets, now=NOW, tolerance_seconds=TOLERANCE) == (
        Channel.MOBILE
    )


def test_wrong_secret_is_invalid() -> None:
    assert refusal(headers("not-the-secret")) is Refusal.SIGNATURE_INVALID


def test_tampered_body_is_invalid() -> None:
    tampered = BODY.replace(b"1500000", b"9500000")
    assert refusal(headers(), tampered) is Refusal.SIGNATURE_INVALID


def test_signature_of_another_timestamp_is_invalid() -> None:
    head = {**headers(), "X-Payment-Timestamp": str(NOW + 1)}
    assert refusal(head) is Refusal.SIGNATURE_INVALID


@pytest.mark.parametrize("offset", [-TOLERANCE, TOLERANCE])
def test_timestamp_at_the_tolerance_is_accepted(offset: int) -> None:
    head = headers(timestamp=NOW + offset)
    assert verify(head, BODY, secrets, now=NOW, tolerance_seconds=TOLERANCE) is Channel.MOBILE


@pytest.mark.parametrize("offset", [-TOLERANCE - 1, TOLERANCE + 1, -86_400])
def test_timestamp_past_the_tolerance_is_stale(offset: int) -> None:
    assert refusal(headers(timestamp=NOW + offset)) is Refusal.TIMESTAMP_STALE


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("X-Payment-Signature", None),
        ("X-Payment-Timestamp", None),
        ("X-Payment-Channel", None),
        ("X-Payment-Channel", ""),
        ("X-Payment-Timestamp", "2026-11-29T10:00:00Z"),
        ("X-Payment-Timestamp", "-1764400000"),
        ("X-Payment-Timestamp", "1764400000.5"),
        ("X-Payment-Signature", "sha256=" + "0" * 64),
        ("X-Payment-Signature", "v1=" + "0" * 63),
        ("X-Payment-Signature", "v1=" + "A" * 64),
        ("X-Payment-Signature", "0" * 64),
    ],
)
def test_missing_or_malformed_header(name: str, value: str | None) -> None:
    head = headers()
    if value is None:
        del head[name]
    else:
        head[name] = value
    assert refusal(head) is Refusal.SIGNATURE_MISSING


@pytest.mark.parametrize("channel", ["ATM", "MANUAL", "PIGEON"])
def test_channel_without_a_secret_is_unknown(channel: str) -> None:
    assert refusal(headers(channel=channel)) is Refusal.CHANNEL_UNKNOWN


def test_manual_is_never_a_gateway_channel(tmp_path: Path) -> None:
    (tmp_path / "MANUAL").write_text(CURRENT + "\n")
    head = headers(channel="MANUAL")
    with pytest.raises(SignatureRefused) as caught:
        verify(head, BODY, SecretFiles(tmp_path), now=NOW, tolerance_seconds=TOLERANCE)
    assert caught.value.reason is Refusal.CHANNEL_UNKNOWN


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def after_recheck(self) -> None:
        self.now += RECHECK_SECONDS


def test_secret_files_follow_a_rotation_without_restart(tmp_path: Path) -> None:
    clock = _Clock()
    files = SecretFiles(tmp_path, clock=clock)
    path = tmp_path / "MOBILE"
    assert files(Channel.MOBILE) == ()
    path.write_text("old-secret\n")
    clock.after_recheck()
    assert files(Channel.MOBILE) == ("old-secret",)

    # The operator puts the new secret first and keeps the old one second.
    path.write_text("new-secret\nold-secret\n")
    clock.after_recheck()
    assert files(Channel.MOBILE) == ("new-secret", "old-secret")
    for secret in ("new-secret", "old-secret"):
        head = headers(secret)
        assert verify(head, BODY, files, now=NOW, tolerance_seconds=TOLERANCE) is Channel.MOBILE

    # Retire the old one; keep the mtime so only size or inode tells the change.
    before = path.stat()
    path.write_text("new-secret\n")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    clock.after_recheck()
    with pytest.raises(SignatureRefused):
        verify(headers("old-secret"), BODY, files, now=NOW, tolerance_seconds=TOLERANCE)


def test_secrets_are_looked_up_again_only_after_the_recheck_interval(tmp_path: Path) -> None:
    clock = _Clock()
    files = SecretFiles(tmp_path, clock=clock)
    path = tmp_path / "ATM"
    path.write_text("first\n")
    assert files(Channel.ATM) == ("first",)
    path.write_text("second\n")
    clock.now += RECHECK_SECONDS / 2
    assert files(Channel.ATM) == ("first",)
    clock.now += RECHECK_SECONDS / 2
    assert files(Channel.ATM) == ("second",)
    path.unlink()
    clock.after_recheck()
    assert files(Channel.ATM) == ()


def test_only_two_secrets_count_and_blank_lines_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "ATM").write_text("\n  first \n\nsecond\nthird\n")
    assert SecretFiles(tmp_path)(Channel.ATM) == ("first", "second")


def test_runtime_creates_private_secrets_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    created = ensure_webhook_secrets(settings)
    folder = tmp_path / "secrets" / "payment-webhook"
    assert sorted(p.name for p in created) == sorted(c.value for c in GATEWAY_CHANNELS)
    assert not (folder / "MANUAL").exists()
    mobile = folder / "MOBILE"
    assert stat.S_IMODE(mobile.stat().st_mode) == 0o600
    (secret,) = mobile.read_text().split()
    assert len(secret) >= 43  # 32 random bytes, urlsafe base64

    assert ensure_webhook_secrets(settings) == []
    assert mobile.read_text().split() == [secret]
    assert SecretFiles(settings.payment_webhook_secrets_path)(Channel.MOBILE) == (secret,)
