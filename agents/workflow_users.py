"""Workflow agent: remember the staff accounts auth.events announces, as directory users.

An agent record names one of them (POST /api/agents checks it), so the workflow service
knows every account without calling the auth service. Upserts are keyed by user id and
guarded by the event time: a replay, or an older event arriving late, changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from faust.types import EventT, StreamT

from domain.directory_users import DirectoryUser, announced_user
from persistence.models.workflow import DirectoryUser as DirectoryUserRow
from persistence.sink import PostgresSink
from streams.app import CrmApp
from streams.auth_events import AUTH_EVENT
from streams.avro import codec_for
from streams.batching import consume_in_batches
from streams.dlq import BadMessage, dead_letter, write_isolating
from streams.topics import AUTH_EVENTS

log = logging.getLogger(__name__)


def register(app: CrmApp) -> None:
    """Attach the directory-users agent to the workflow app."""
    settings = app.settings
    codec = codec_for(settings)
    topic = app.raw_topic(AUTH_EVENTS)
    sink: PostgresSink | None = None

    def user_of(event: EventT) -> DirectoryUser | None:
        value = event.message.value
        try:
            name, record = codec.decode(value if value is not None else b"")
            if name != AUTH_EVENT:
                raise ValueError(f"{name} is not an AuthEvent")
            return announced_user(record)
        except (ValueError, KeyError, TypeError) as exc:
            raise BadMessage(str(exc)) from exc

    async def store(rows: list[tuple[EventT, dict[str, Any]]]) -> None:
        nonlocal sink
        if sink is None:
            sink = await app.sink(DirectoryUserRow.__table__, ["user_id"], version_column="seen_at")
        target = sink

        async def write(some: list[tuple[EventT, dict[str, Any]]]) -> None:
            await target.write([row for _, row in some])

        # One account's username now held by another id (an AD account recreated) is parked,
        # rather than stopping the whole service.
        await write_isolating(app, rows, write, lambda r: r[0].message, "directory users")

    async def remember(batch: list[EventT]) -> None:
        rows: list[tuple[EventT, dict[str, Any]]] = []
        for event in batch:
            try:
                user = user_of(event)
            except BadMessage as exc:
                await dead_letter(app, event.message, exc)
                continue
            if user is not None:
                rows.append((event, asdict(user)))
        if rows:
            await store(rows)

    @app.agent(topic, name="workflow.directory-users")
    async def directory_users(stream: StreamT) -> None:
        await consume_in_batches(
            app, stream, settings.sink_batch_size, settings.sink_flush_seconds, remember
        )
