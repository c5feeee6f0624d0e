"""Service command topics: each command names its type in a header and goes to its handler.

Every service has a `<service>.commands` topic (actions, sync jobs, logouts arrive there in
later issues). A command whose type has no handler, or that its handler refuses with
BadMessage, is dead-lettered with the reason; any other failure stops the worker with the
batch unacknowledged. Nothing is acknowledged silently.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from faust.types import EventT, StreamT

from streams.app import CrmApp
from streams.avro import AvroCodec
from streams.batching import consume_in_batches
from streams.dlq import BadMessage, dead_letter
from streams.metrics import MESSAGES

COMMAND_HEADER = "crm-command"
# Measured with `python -m bench --only workflow`: 0.2 s held 64 concurrent actions to 138/s.
COMMAND_BATCH_SECONDS = 0.02

# A handler takes a run of consecutive commands of its type, so it can write them in one batch;
# runs are handed over in offset order, so one key's commands keep their order across types.
CommandHandler = Callable[[list[EventT]], Awaitable[None]]


def header_value(event: EventT, name: str) -> str | None:
    """A message header as text; None when absent or empty."""
    headers = event.message.headers or []
    items = headers.items() if isinstance(headers, Mapping) else headers
    for key, value in items:
        if key == name and value:
            return bytes(value).decode()
    return None


def command_type(event: EventT) -> str | None:
    return header_value(event, COMMAND_HEADER)


def customer_command(codec: AvroCodec, event: EventT, schema: str) -> dict[str, Any]:
    """Decode a command keyed by CIF: the named schema, and a key that is its `cif`.

    Another key would put the customer's state on a worker that does not own it.
    """
    value = event.message.value
    try:
        name, record = codec.decode(value if value is not None else b"")
    except ValueError as exc:
        raise BadMessage(str(exc)) from exc
    if name != schema:
        raise BadMessage(f"{name} is not a {schema}")
    if event.message.key != str(record.get("cif")).encode():
        raise BadMessage(f"key {event.message.key!r} is not customer {record.get('cif')}")
    return record


T = TypeVar("T")


def parsed_command(
    codec: AvroCodec, event: EventT, schema: str, parse: Callable[[dict[str, Any]], T]
) -> T:
    """A command keyed by CIF (customer_command), turned into its domain object; a record
    the domain refuses is a BadMessage too."""
    record = customer_command(codec, event, schema)
    try:
        return parse(record)
    except (ValueError, KeyError, TypeError) as exc:
        raise BadMessage(str(exc)) from exc


def runs_by_type(batch: list[EventT]) -> list[tuple[str | None, list[EventT]]]:
    """Split a batch into runs of consecutive commands of one type, in order."""
    runs: list[tuple[str | None, list[EventT]]] = []
    for event in batch:
        kind = command_type(event)
        if runs and runs[-1][0] == kind:
            runs[-1][1].append(event)
        else:
            runs.append((kind, [event]))
    return runs


def register_commands(app: CrmApp, topic_name: str, handlers: Mapping[str, CommandHandler]) -> None:
    """Consume the service's command topic and dispatch each command by its type."""
    topic = app.topic(
        app.settings.topic(topic_name),
        key_type=bytes,
        value_type=bytes,
        partitions=app.settings.topic_partitions,
    )

    async def handle(batch: list[EventT]) -> None:
        for kind, run in runs_by_type(batch):
            handler = handlers.get(kind or "")
            if handler is None:
                error = BadMessage(f"no handler for command type {kind!r}")
                for event in run:
                    await dead_letter(app, event.message, error)
                continue
            await handler(run)
            MESSAGES.labels(app.service_name, run[0].message.topic, "HANDLED").inc(len(run))

    @app.agent(topic, name=f"{app.service_name}.commands")
    async def dispatch(stream: StreamT) -> None:
        # Mostly interactive (an agent waits for the decision), but forwarded loans and
        # payments come in bulk at times: batches as large as a sink's, taken every
        # COMMAND_BATCH_SECONDS so a waiting request is not held for a full sink window.
        await consume_in_batches(
            app, stream, app.settings.sink_batch_size, COMMAND_BATCH_SECONDS, handle
        )
