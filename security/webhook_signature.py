"""The payment gateway's webhook signature: HMAC-SHA256 per channel, two secrets during rotation.

The gateway signs `<X-Payment-Timestamp>.<raw body>` with its channel's secret and sends
`X-Payment-Signature: v1=<lowercase hex>`. Layout and procedure: docs/payment-webhook.md.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from domain.payments import Channel

CHANNEL_HEADER = "X-Payment-Channel"
TIMESTAMP_HEADER = "X-Payment-Timestamp"
SIGNATURE_HEADER = "X-Payment-Signature"
VERSION = "v1"
# The current secret and the previous one, so a secret can be rotated without downtime.
MAX_SECRETS = 2
GATEWAY_CHANNELS: tuple[Channel, ...] = tuple(c for c in Channel if c is not Channel.MANUAL)

_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_SIGNATURE = re.compile(rf"^{VERSION}=([0-9a-f]{{64}})$")

# A channel's secrets, current first; empty when none is configured.
SecretLookup = Callable[[Channel], tuple[str, ...]]


class Refusal(StrEnum):
    """Why a webhook call is refused; the values are the problem codes clients see."""

    SIGNATURE_MISSING = "SIGNATURE_MISSING"
    CHANNEL_UNKNOWN = "CHANNEL_UNKNOWN"
    TIMESTAMP_STALE = "TIMESTAMP_STALE"
    SIGNATURE_INVALID = "SIGNATURE_INVALID"


class SignatureRefused(Exception):
    """The request is not provably from the gateway."""

    def __init__(self, reason: Refusal, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Return the X-Payment-Signature value for a body sent at `timestamp` (Unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{VERSION}={mac.hexdigest()}"


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secrets: SecretLookup,
    *,
    now: int,
    tolerance_seconds: int,
) -> Channel:
    """Return the channel a request is signed for, or raise SignatureRefused saying why.

    `headers` should be case-insensitive (aiohttp's request.headers is).
    """
    channel_name = headers.get(CHANNEL_HEADER, "").strip()
    raw_timestamp = headers.get(TIMESTAMP_HEADER, "").strip()
    signature = _SIGNATURE.match(headers.get(SIGNATURE_HEADER, "").strip())
    if not channel_name or not _TIMESTAMP.match(raw_timestamp) or signature is None:
        raise SignatureRefused(
            Refusal.SIGNATURE_MISSING,
            f"{CHANNEL_HEADER}, {TIMESTAMP_HEADER} (Unix seconds) and {SIGNATURE_HEADER}"
            f" ({VERSION}=<hex HMAC-SHA256>) are required.",
        )
    channel = next((c for c in GATEWAY_CHANNELS if c.value == channel_name), None)
    candidates = secrets(channel)[:MAX_SECRETS] if channel is not None else ()
    if channel is None or not candidates:
        raise SignatureRefused(
            Refusal.CHANNEL_UNKNOWN, "No webhook secret is configured for this channel."
        )
    timestamp = int(raw_timestamp)
    given = signature.group(0)
    # Check every candidate (no early exit), so timing does not tell which secret matched.
    matches = [hmac.compare_digest(sign(s, timestamp, body), given) for s in candidates]
    if not any(matches):
        raise SignatureRefused(
            Refusal.SIGNATURE_INVALID, "The signature does not match the body and timestamp."
        )
    # Checked after the signature, so a stale answer tells the sender its signing is right.
    if abs(now - timestamp) > tolerance_seconds:
        raise SignatureRefused(
            Refusal.TIMESTAMP_STALE,
            f"{TIMESTAMP_HEADER} must be within {tolerance_seconds} s of the server's clock.",
        )
    return channel


# How long a channel's secrets are used before the file is looked at again. A stat on every
# notification was about 5% of the payments loop at saturation; a rotation written by the
# operator is still taken within a second.
RECHECK_SECONDS = 1.0


@dataclass
class SecretFiles:
    """Each channel's secrets from `<directory>/<CHANNEL>`, re-read when the file changes."""

    directory: Path
    clock: Callable[[], float] = time.monotonic
    _cache: dict[Channel, tuple[float, tuple[int, int, int] | None, tuple[str, ...]]] = field(
        default_factory=dict, repr=False
    )

    def __call__(self, channel: Channel) -> tuple[str, ...]:
        now = self.clock()
        cached = self._cache.get(channel)
        if cached is not None and now - cached[0] < RECHECK_SECONDS:
            return cached[2]
        path = self.directory / channel.value
        try:
            stat = path.stat()
        except FileNotFoundError:
            self._cache[channel] = (now, None, ())
            return ()
        # Size and inode too: two writes within one mtime tick, or a file renamed into place.
        version = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if cached is not None and cached[1] == version:
            self._cache[channel] = (now, version, cached[2])
            return cached[2]
        lines = (line.strip() for line in path.read_text().splitlines())
        values = tuple(line for line in lines if line)[:MAX_SECRETS]
        self._cache[channel] = (now, version, values)
        return values
