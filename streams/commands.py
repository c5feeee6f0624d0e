"""Service command topics: each command names its type in a header and goes to its handler.

Every service has a `<service>.commands` topic (actions, sync jobs, logouts arrive there in
later issues). A command whose type has no handler is dead-lettered with the reason, never
acknowledged silently.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from faust.types import EventT, StreamT

from streams.app import CrmApp
from streams.dlq import dead_letter
from streams.metrics import MESSAGES

COMMAND_HEADER = "crm-command"

CommandHandler = Callable[[EventT], Awaitable[None]]


class UnknownCommand(ValueError):
    """No handler is registered for the command's type."""


def command_type(event: EventT) -> str | None:
    headers = event.message.headers or []
    items = headers.items() if isinstance(headers, Mapping) else headers
    for name, value in items:
        if name == COMMAND_HEADER and value:
            return bytes(value).decode()
    return None


def register_commands(app: CrmApp, topic_name: str, handlers: Mapping[str, CommandHandler]) -> None:
    """Consume the service's command topic and dispatch each command by its type."""
    topic = app.topic(
        app.settings.topic(topic_name),
        key_type=bytes,
        value_type=bytes,
        partitions=app.settings.topic_partitions,
    )

    @app.agent(topic, name=f"{app.service_name}.commands")
    async def dispatch(stream: StreamT) -> None:
        async for event in stream.events():
            kind = command_type(event)
            handler = handlers.get(kind or "")
            try:
                if handler is None:
                    raise UnknownCommand(f"no handler for command type {kind!r}")
                await handler(event)
                MESSAGES.labels(app.service_name, event.message.topic, "HANDLED").inc()
            except Exception as exc:  # parked with its reason; the stream goes on
                await dead_letter(app, event.message, exc)
