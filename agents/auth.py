"""Auth agents: every service's auth events become audit.audit_log rows, each exactly once."""

from __future__ import annotations

import ipaddress
from typing import Any

from faust.types import EventT, StreamT

from persistence.models.auth import AuditLog
from persistence.sink import PostgresSink
from streams.app import CrmApp
from streams.auth_events import AUTH_EVENT, audit_rows
from streams.avro import codec_for
from streams.batching import consume_in_batches
from streams.dlq import BadMessage, dead_letter
from streams.topics import AUTH_EVENTS


def _ip(value: str | None) -> Any:
    """inet column: a malformed address (from a forwarded header) is dropped, not fatal."""
    if not value:
        return None
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def register(app: CrmApp) -> None:
    """Attach the audit agent to the auth app."""
    settings = app.settings
    codec = codec_for(settings)
    topic = app.raw_topic(AUTH_EVENTS)
    sink: PostgresSink | None = None

    def rows_of(event: EventT) -> list[dict[str, Any]]:
        value = event.message.value
        try:
            name, record = codec.decode(value if value is not None else b"")
            if name != AUTH_EVENT:
                raise ValueError(f"{name} is not an AuthEvent")
            rows = audit_rows(record, service=None)
        except (ValueError, KeyError, TypeError) as exc:
            raise BadMessage(str(exc)) from exc
        for row in rows:
            row["ip_address"] = _ip(row["ip_address"])
        return rows

    async def audit(batch: list[EventT]) -> None:
        nonlocal sink
        rows = []
        for event in batch:
            try:
                rows.extend(rows_of(event))
            except BadMessage as exc:
                await dead_letter(app, event.message, exc)
        if sink is None:
            # Insert-or-nothing on the event id: the audit log is append-only.
            sink = await app.sink(AuditLog.__table__, ["event_id"], update_columns=[])
        await sink.write(rows)

    @app.agent(topic, name="auth.audit-events")
    async def audit_events(stream: StreamT) -> None:
        await consume_in_batches(
            app, stream, settings.sink_batch_size, settings.sink_flush_seconds, audit
        )
