"""Every service's local view of revoked sessions, fed by the auth.revocations topic.

Token checks must not call the auth service per request, yet a logout has to take effect
everywhere within about a second. Each worker therefore reads the whole (small, compacted)
revocations topic from the beginning and then follows it; the auth hook asks this view.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from crm.settings import Settings
from streams.avro import AvroCodec, codec_for
from streams.topic_follower import follow_topics
from streams.topics import AUTH_REVOCATIONS

log = logging.getLogger(__name__)


class RevocationView:
    """Session id → until when its tokens stay refused (their own expiry)."""

    def __init__(self, settings: Settings, codec: AvroCodec | None = None) -> None:
        self._settings = settings
        self._codec = codec or codec_for(settings)
        self._revoked: dict[str, datetime] = {}
        self.caught_up = asyncio.Event()

    def is_revoked(self, session_id: str, now: datetime | None = None) -> bool:
        until = self._revoked.get(session_id)
        return until is not None and until > (now or datetime.now(UTC))

    def apply(self, key: bytes | None, value: bytes | None) -> None:
        """Apply one record; a bad record is logged and skipped (the auth DB stays the truth)."""
        if key is None or value is None:
            return
        try:
            _, record = self._codec.decode(value)
        except ValueError as exc:
            log.error("unreadable revocation for %r: %s", key, exc)
            return
        self._revoked[key.decode()] = record["expiresAt"]

    def forget_expired(self, now: datetime) -> None:
        for session_id in [s for s, until in self._revoked.items() if until <= now]:
            del self._revoked[session_id]

    async def follow(self) -> None:
        """Read the topic from the start, mark caught up, then keep following it."""
        topic = self._settings.topic(AUTH_REVOCATIONS.name)
        await follow_topics(
            self._settings,
            {topic: self.apply},
            self.caught_up,
            on_poll=lambda: self.forget_expired(datetime.now(UTC)),
        )
