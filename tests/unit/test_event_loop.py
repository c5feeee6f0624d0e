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


@pytest.mark.parametrize("service", ["workflow", "payments-intake"])
def test_the_workflow_service_and_the_webhook_intake_run_on_uvloop_by_default(
    policy: None, service: str
) -> None:
    event_loop.install(Settings(), service)
    loop = asyncio.new_event_loop()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


def test_other_services_keep_the_standard_loop(policy: None) -> None:
    asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())
    event_loop.install(Settings(), "sync")
    loop = asyncio.new_event_loop()
    try:
        assert not isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


def test_the_services_on_uvloop_are_configured_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_UVLOOP_SERVICES", "workflow, payments-intake")
    assert Settings().uvloop_services == {"workflow", "payments-intake"}
    monkeypatch.setenv("CRM_UVLOOP_SERVICES", "")
    assert Settings().uvloop_services == frozenset()
