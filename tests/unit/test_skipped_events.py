"""A message its stream skipped (rebalance, older generation) is never counted as handled."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from faust.events import Event
from faust.types.tuples import ConsumerMessage

from streams import faust_fixes


class Consumer:
    def __init__(self) -> None:
        self.acked: list[int] = []

    def ack(self, message: Any) -> bool:
        self.acked.append(message.offset)
        return True


def event(offset: int, tracked: bool, acking: bool = True) -> tuple[Event, Consumer]:
    consumer = Consumer()
    app = SimpleNamespace(
        consumer=consumer,
        service_name="sync",
        topics=SimpleNamespace(acks_enabled_for=lambda topic: acking),
    )
    message = ConsumerMessage("cdc.t24.FBNK_CUSTOMER", 0, offset, 0.0, 0, [], b"k", b"v", None)
    message.tracked = tracked
    message.incref()
    return Event(app, b"k", b"v", [], message), consumer  # type: ignore[arg-type]


def test_a_skipped_message_is_not_acknowledged() -> None:
    faust_fixes.apply()
    skipped, consumer = event(260, tracked=False)
    # What the stream's skip path does with it.
    assert skipped.ack() is False
    assert consumer.acked == []
    assert not skipped.message.acked


def test_a_handled_message_is_acknowledged() -> None:
    faust_fixes.apply()
    handled, consumer = event(261, tracked=True)
    assert handled.ack() is True
    assert consumer.acked == [261]


def test_topics_without_acknowledgement_are_left_alone() -> None:
    faust_fixes.apply()
    other, consumer = event(7, tracked=False, acking=False)
    assert other.ack() is True
    assert consumer.acked == [7]
