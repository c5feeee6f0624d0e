"""Which event loop the service processes run on."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import uvloop

from crm.settings import Settings
from streams import event_loop


@pytest.fixture
def policy() -> Iterator[None]:
    before = asyncio.get_event_loop_policy()
    try:
        yield
    finally:
        asyncio.set_event_loop_policy(before)


def test_services_run_on_uvloop_by_default(policy: None) -> None:
    event_loop.install(Settings())
    loop = asyncio.new_event_loop()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


def test_the_standard_loop_stays_when_configured(policy: None) -> None:
    asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())
    event_loop.install(Settings(event_loop="asyncio"))
    loop = asyncio.new_event_loop()
    try:
        assert not isinstance(loop, uvloop.Loop)
    finally:
        loop.close()
