"""Dead-letter policy: a message that cannot be processed is parked with its error."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from persistence.sink import SinkDataError
from streams.app import CrmApp
from streams.metrics import DEAD_LETTERS

log = logging.getLogger(__name__)

# Header names are a contract with operators' tooling that replays dead letters.
H_ERROR = "crm-error"
H_ERROR_TYPE = "crm-error-type"
H_SOURCE_TOPIC = "crm-source-topic"
H_SOURCE_PARTITION = "crm-source-partition"
H_SOURCE_OFFSET = "crm-source-offset"
# Which service could not read it: a topic several services consume (auth.events) may get one
# dead letter from each of them for the same message.
H_CONSUMER = "crm-consumer"
_MAX_ERROR_BYTES = 4000


class BadMessage(ValueError):
    """The message itself cannot be processed (undecodable, wrong key, invalid content)."""


def dlq_name(topic: str) -> str:
    return f"{topic}.dlq"


def _headers(message: Any) -> list[tuple[str, bytes]]:
    raw = message.headers or []
    items = raw.items() if isinstance(raw, dict) else raw
    return [(str(k), bytes(v) if v is not None else b"") for k, v in items]


async def dead_letter(app: CrmApp, message: Any, error: BaseException) -> None:
    """Publish the original key, value and headers plus the error to `<topic>.dlq` and wait."""
    detail = "".join(traceback.format_exception_only(type(error), error)).strip()
    headers = [
        *_headers(message),
        (H_ERROR, detail.encode()[:_MAX_ERROR_BYTES]),
        (H_ERROR_TYPE, type(error).__name__.encode()),
        (H_SOURCE_TOPIC, message.topic.encode()),
        (H_SOURCE_PARTITION, str(message.partition).encode()),
        (H_SOURCE_OFFSET, str(message.offset).encode()),
        (H_CONSUMER, app.service_name.encode()),
    ]
    target = dlq_name(message.topic)
    # Waiting for the broker's ack before the source offset can be committed is the point.
    await app.producer.send_and_wait(
        target, message.key, message.value, partition=None, timestamp=None, headers=headers
    )
    DEAD_LETTERS.labels(app.service_name, message.topic).inc()
    log.warning(
        "dead-lettered %s[%s]@%s to %s: %s",
        message.topic,
        message.partition,
        message.offset,
        target,
        detail,
    )


T = TypeVar("T")


async def write_isolating(
    app: CrmApp,
    items: list[T],
    write: Callable[[list[T]], Awaitable[None]],
    message_of: Callable[[T], Any],
    what: str,
) -> list[T]:
    """Write the batch; if PostgreSQL refuses its content, write the items one by one and
    dead-letter the messages of those it refuses, so one bad row does not stop the rest.
    Returns the items written."""
    try:
        await write(items)
        return items
    except SinkDataError:
        log.warning("%s: batch refused by PostgreSQL; writing its rows one by one", what)
    kept = []
    for item in items:
        try:
            await write([item])
            kept.append(item)
        except SinkDataError as exc:
            await dead_letter(app, message_of(item), exc)
    return kept
