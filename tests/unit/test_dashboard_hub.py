"""The fan-out: each stream gets what its caller may see; a slow one is dropped, not buffered."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from security.row_rules import Caller, Scope
from web.dashboard_events import DashboardEvent
from web.dashboard_hub import Hub, HubFull, Subscriber


@dataclass(frozen=True)
class User:
    user_id: str
    roles: frozenset[str] = field(default_factory=frozenset)


class Scopes:
    """Row scopes by user, changeable as assignments move; counts how often it is asked."""

    def __init__(self, **cifs: set[str]) -> None:
        self.cifs = cifs
        self.asked = 0

    async def __call__(self, caller: Caller) -> Scope:
        self.asked += 1
        return Scope(cifs=frozenset(self.cifs.get(caller.user_id, set())))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def ev(cif: str, kind: str = "ACTION_RECORDED", agent: str | None = None) -> DashboardEvent:
    return DashboardEvent(
        f"{kind}:{cif}", kind, datetime(2026, 11, 30, tzinfo=UTC), cif, None, agent, {}
    )


def received(sub: Subscriber) -> list[str]:
    """The CIFs of the workflow events queued for a subscriber (control messages as names)."""
    out = []
    while not sub.queue.empty():
        item = sub.queue.get_nowait()
        if item is None:
            out.append(f"END:{sub.ended}")
            continue
        cif, frame = item
        text = frame.decode()
        out.append(cif if cif is not None else text.split("\n")[0].removeprefix("event: "))
        if cif is not None:
            data = json.loads(text.split("data: ", 1)[1])
            assert data["cif"] == cif
    return out


async def test_each_stream_gets_only_its_callers_customers() -> None:
    hub = Hub(Scopes(ann={"C1"}, lead={"C1", "C2"}), clock=Clock())
    ann = await hub.subscribe(User("ann"), "AG-ANN")
    lead = await hub.subscribe(User("lead"), None)
    await hub.publish([ev("C1"), ev("C2"), ev("C3")])
    assert received(ann) == ["C1"]
    assert received(lead) == ["C1", "C2"]


async def test_a_full_queue_ends_the_stream_instead_of_growing() -> None:
    hub = Hub(Scopes(ann={"C1"}), queue_limit=3, clock=Clock())
    ann = await hub.subscribe(User("ann"), None)
    await hub.publish([ev("C1") for _ in range(4)])
    assert received(ann) == ["END:SLOW_CONSUMER"]
    assert len(hub) == 0
    # Nothing more is queued for a dropped stream.
    await hub.publish([ev("C1")])
    assert ann.queue.empty()


async def test_a_new_assignment_reaches_the_scope_while_assignments_settle() -> None:
    clock = Clock()
    scopes = Scopes(lead=set())
    hub = Hub(scopes, clock=clock)
    lead = await hub.subscribe(User("lead"), None)
    clock.now += 1
    # The assignment's event comes first; the row scope learns of it a moment later.
    await hub.publish([ev("C9", "CUSTOMER_ASSIGNED", agent="AG-X")])
    scopes.cifs["lead"] = {"C9"}
    clock.now += 1
    await hub.publish([ev("C9")])
    assert received(lead) == ["C9"]


async def test_a_stream_opened_just_after_unread_events_still_sees_their_assignments() -> None:
    clock = Clock()
    scopes = Scopes(lead=set())
    hub = Hub(scopes, clock=clock)
    assert not hub.listening()
    # No stream was open: the feed let events go by unread, a CUSTOMER_ASSIGNED among them.
    hub.passed_unread()
    lead = await hub.subscribe(User("lead"), None)
    assert hub.listening()
    scopes.cifs["lead"] = {"C9"}
    clock.now += 1
    await hub.publish([ev("C9")])
    assert received(lead) == ["C9"]


async def test_scopes_are_not_read_per_event_when_nothing_moves() -> None:
    clock = Clock()
    scopes = Scopes(ann={"C1"})
    hub = Hub(scopes, scope_every=30.0, clock=clock)
    await hub.subscribe(User("ann"), None)
    await hub.publish([ev(f"X{i}") for i in range(50)])
    assert scopes.asked == 1
    clock.now += 31
    await hub.publish([ev("X")])
    assert scopes.asked == 2


async def test_resync_and_close_reach_every_stream() -> None:
    hub = Hub(Scopes(), clock=Clock())
    a, b = await hub.subscribe(User("a"), None), await hub.subscribe(User("b"), None)
    hub.resync()
    hub.close()
    assert received(a) == ["END:SHUTDOWN"]  # what was queued makes way for the end
    assert received(b) == ["END:SHUTDOWN"]
    assert len(hub) == 0


async def test_resync_is_queued_as_a_control_message() -> None:
    hub = Hub(Scopes(), clock=Clock())
    a = await hub.subscribe(User("a"), None)
    hub.resync()
    assert received(a) == ["resync"]


async def test_a_process_serves_a_bounded_number_of_streams() -> None:
    hub = Hub(Scopes(), max_subscribers=2, clock=Clock())
    first = await hub.subscribe(User("a"), None)
    await hub.subscribe(User("b"), None)
    with pytest.raises(HubFull):
        await hub.subscribe(User("c"), None)
    hub.unsubscribe(first)
    await hub.subscribe(User("c"), None)
