"""Integration fixtures: the real runtime (Kafka, Connect, PostgreSQL, nginx, services)."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import asyncpg
import pytest
from confluent_kafka.admin import AdminClient
from ldap3 import Connection, Server

from crm.settings import Settings, get_settings
from runtime import processes, samba
from runtime.manager import COMPONENTS, up
from runtime.topics import create_topics

T = TypeVar("T")
# How much of a down component's log the failure summary shows.
LOG_TAIL_LINES = 60


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.path):
            item.add_marker(pytest.mark.integration)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """After failures, show which components are down and how their logs end.

    CI keeps only the test output; a service that died mid-run fails every later test that
    needs it, and its log is the one place that says why.
    """
    if not terminalreporter.stats.get("failed") and not terminalreporter.stats.get("error"):
        return
    settings = get_settings()
    for component in COMPONENTS:
        _, state, detail = component.state(settings)
        if state == "healthy":
            continue
        terminalreporter.section(f"{component.name} is {state} {detail}".strip())
        log = processes.log_file(settings, component.name)
        if log.exists():
            for line in log.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]:
                terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def settings() -> Settings:
    return get_settings()


@pytest.fixture(scope="session")
def system(settings: Settings) -> Settings:
    """The whole embedded system is up (idempotent: fast when `crm up` already ran)."""
    assert up(settings, only=None) == 0, "crm up failed; see the logs it printed"
    return settings


@pytest.fixture
async def token(system: Settings, api: str) -> str:
    """A real access token: the demo administrator logs in through nginx and the AD."""
    from tests.integration.auth_client import token_for

    grant = await token_for(api, system, "admin")
    access: str = grant["accessToken"]
    return access


@pytest.fixture(scope="session")
def api(system: Settings) -> str:
    return f"http://127.0.0.1:{system.nginx_port}"


@pytest.fixture
async def db(system: Settings) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(system.asyncpg_dsn(), min_size=1, max_size=4)
    yield pool
    await pool.close()


@pytest.fixture
def ad_admin(system: Settings) -> Iterator[Connection]:
    """The demo AD's Administrator, for tests that change the directory (and restore it)."""
    server = Server(system.ldap_host, port=system.ldap_port, connect_timeout=5)
    conn = Connection(server, f"Administrator@{system.ad_realm}", samba.admin_password(system))
    assert conn.bind(), conn.result
    yield conn
    conn.unbind()


@pytest.fixture
def isolated(system: Settings) -> Iterator[Settings]:
    """Settings with a topic prefix of their own, topics created, removed afterwards."""
    prefix = f"t{uuid.uuid4().hex[:8]}."
    scoped = system.model_copy(update={"topic_prefix": prefix})
    create_topics(scoped)
    yield scoped
    admin = AdminClient({"bootstrap.servers": system.kafka_bootstrap})
    mine = [t for t in admin.list_topics(timeout=10).topics if t.startswith(prefix)]
    if mine:
        for fut in admin.delete_topics(mine, operation_timeout=30).values():
            fut.result()


@pytest.fixture
def log_dir(system: Settings, request: pytest.FixtureRequest) -> Path:
    path = system.log_dir / "tests" / request.node.name
    path.mkdir(parents=True, exist_ok=True)
    return path


def poll(check: Callable[[], T | None], *, deadline_s: float, what: str, every: float = 0.2) -> T:
    """Call `check` until it returns something truthy, or fail naming what never happened."""
    end = time.monotonic() + deadline_s
    last: T | None = None
    while time.monotonic() < end:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out after {deadline_s}s waiting for {what}; last={last!r}")


async def apoll(check: Callable[[], object], *, deadline_s: float, what: str) -> object:
    """Async twin of `poll` for checks that are coroutines."""
    import asyncio

    end = time.monotonic() + deadline_s
    last: object = None
    while time.monotonic() < end:
        last = await check()  # type: ignore[misc]
        if last:
            return last
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out after {deadline_s}s waiting for {what}; last={last!r}")


@pytest.fixture
async def desk(system: Settings, api: str, token: str) -> object:
    """agent1 in a team of their own with a customer; agent2 in another team with another."""
    from tests.integration.workflow_staff import open_desk

    return await open_desk(system, api, token)
