"""The revocation view: a revoked session stays refused until its tokens would expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm.settings import Settings
from streams.avro import codec_for
from streams.revocations import RevocationView

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def record(session: str, expires: datetime) -> tuple[bytes, bytes]:
    codec = codec_for(Settings())
    value = codec.encode(
        "crm.auth.Revocation",
        {
            "sessionId": session,
            "userId": "u1",
            "revokedAt": NOW,
            "expiresAt": expires,
            "reason": "LOGOUT",
        },
    )
    return session.encode(), value


def test_revoked_session_is_refused_until_it_expires() -> None:
    view = RevocationView(Settings())
    view.apply(*record("s1", NOW + timedelta(minutes=15)))
    assert view.is_revoked("s1", NOW)
    assert not view.is_revoked("s2", NOW)
    assert not view.is_revoked("s1", NOW + timedelta(minutes=16))


def test_expired_entries_are_forgotten() -> None:
    view = RevocationView(Settings())
    view.apply(*record("old", NOW - timedelta(seconds=1)))
    view.apply(*record("live", NOW + timedelta(hours=1)))
    view.forget_expired(NOW)
    assert not view.is_revoked("old", NOW)
    assert view.is_revoked("live", NOW)


def test_garbage_is_skipped_not_fatal() -> None:
    view = RevocationView(Settings())
    view.apply(b"s1", b"\x00\x00\x00\x00\x01garbage")
    view.apply(None, None)
    assert not view.is_revoked("s1", NOW)
