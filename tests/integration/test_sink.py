"""PostgresSink against the real PostgreSQL: idempotent upserts, COPY volume, outages."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import string
import time
import uuid
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from crm.settings import Settings, get_settings
from persistence.db import create_pool
from persistence.migrate import migrate
from persistence.models import Payment
from persistence.sink import PostgresSink, SinkDataError

pytestmark = pytest.mark.integration

PaymentRow = Callable[..., dict[str, Any]]


class TcpProxy:
    """A TCP relay to PostgreSQL the test can cut (refusing and dropping) and restore."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        # Same port again after a stop, so the pool's DSN stays valid.
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for writer in self._writers:
            writer.transport.abort()
        await self._server.wait_closed()
        self._server = None

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        self._writers |= {writer, up_writer}
        try:
            await asyncio.gather(
                self._pipe(reader, up_writer), self._pipe(up_reader, writer), return_exceptions=True
            )
        finally:
            self._writers -= {writer, up_writer}

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.transport.abort()


@pytest.fixture(scope="module")
def settings() -> Settings:
    settings = get_settings()
    migrate(settings, ["payments"])
    return settings


@pytest.fixture(scope="module")
async def pool(settings: Settings) -> AsyncIterator[Any]:
    pool = await create_pool(settings)
    yield pool
    await pool.close()


@pytest.fixture
async def prefix(pool: Any) -> AsyncIterator[str]:
    """A reference-number prefix of this test alone; its rows are removed afterwards."""
    prefix = f"test-{uuid.uuid4().hex}-"
    yield prefix
    await pool.execute("DELETE FROM payments.payment WHERE reference_number LIKE $1", prefix + "%")


@pytest.fixture
def payment(prefix: str) -> PaymentRow:
    now = dt.datetime.now(dt.UTC)

    def make(ref: str, amount: str = "100.00", offset: int = 1) -> dict[str, Any]:
        return {
            "reference_number": prefix + ref,
            "loan_account_number": "LN-" + ref,
            "cif": None,
            "amount": Decimal(amount),
            "currency": "VND",
            "paid_at": now,
            "channel": "ATM",
            "payer": "NGUYEN VAN A",
            "source": "test",
            "status": "RECEIVED",
            "content_hash": f"hash-{ref}-{amount}",
            "received_at": now,
            "applied_at": None,
            "updated_at": now,
            "event_offset": offset,
        }

    return make


def payment_sink(pool: Any, **options: Any) -> PostgresSink:
    return PostgresSink(pool, Payment.__table__, ["reference_number"], **options)


async def amounts(pool: Any, prefix: str) -> dict[str, Decimal]:
    rows = await pool.fetch(
        "SELECT reference_number, amount FROM payments.payment WHERE reference_number LIKE $1",
        prefix + "%",
    )
    return {r["reference_number"].removeprefix(prefix): r["amount"] for r in rows}


async def test_same_batch_twice_leaves_one_row_per_key(
    pool: Any, prefix: str, payment: PaymentRow
) -> None:
    sink = payment_sink(pool)
    batch = [payment("A", "10.00"), payment("B", "20.50"), payment("C", "30.00")]
    assert await sink.write(batch) == 3
    ids = await pool.fetch(
        "SELECT id FROM payments.payment WHERE reference_number LIKE $1 ORDER BY id", prefix + "%"
    )
    assert await sink.write(batch) == 3
    assert await amounts(pool, prefix) == {
        "A": Decimal("10.00"),
        "B": Decimal("20.50"),
        "C": Decimal("30.00"),
    }
    again = await pool.fetch(
        "SELECT id FROM payments.payment WHERE reference_number LIKE $1 ORDER BY id", prefix + "%"
    )
    assert again == ids


async def test_in_batch_duplicate_key_keeps_the_last(
    pool: Any, prefix: str, payment: PaymentRow
) -> None:
    sink = payment_sink(pool)
    written = await sink.write([payment("A", "1.00"), payment("B", "2.00"), payment("A", "3.00")])
    assert written == 2
    assert await amounts(pool, prefix) == {"A": Decimal("3.00"), "B": Decimal("2.00")}


async def test_version_column_keeps_the_newer_row(
    pool: Any, prefix: str, payment: PaymentRow
) -> None:
    sink = payment_sink(pool, version_column="event_offset")
    assert await sink.write([payment("A", "50.00", offset=5)]) == 1
    # A replayed older event must not overwrite the newer state.
    assert await sink.write([payment("A", "30.00", offset=3)]) == 0
    assert await amounts(pool, prefix) == {"A": Decimal("50.00")}
    assert await sink.write([payment("A", "70.00", offset=7)]) == 1
    assert await amounts(pool, prefix) == {"A": Decimal("70.00")}
    offset = await pool.fetchval(
        "SELECT event_offset FROM payments.payment WHERE reference_number = $1", prefix + "A"
    )
    assert offset == 7


async def test_bad_row_raises_sink_data_error_and_writes_nothing(
    pool: Any, prefix: str, payment: PaymentRow
) -> None:
    sink = payment_sink(pool)
    bad = {**payment("B"), "status": None}
    with pytest.raises(SinkDataError) as raised:
        await sink.write([payment("A"), bad])
    assert raised.value.batch_size == 2
    assert await amounts(pool, prefix) == {}
    with pytest.raises(SinkDataError):
        await sink.write([{**payment("C"), "paid_at": "yesterday"}])


async def test_a_value_too_large_for_an_index_is_a_row_error(
    pool: Any, prefix: str, payment: PaymentRow
) -> None:
    # Random letters do not compress, so the reference reaches its unique index at full size.
    huge = "".join(random.choices(string.ascii_letters, k=9000))
    with pytest.raises(SinkDataError) as raised:
        await payment_sink(pool).write([payment("A"), payment(huge)])
    assert isinstance(raised.value.cause, asyncpg.ProgramLimitExceededError)
    assert await amounts(pool, prefix) == {}


async def test_fifty_thousand_rows_go_through_copy(
    pool: Any, prefix: str, payment: PaymentRow
) -> None:
    sink = payment_sink(pool, version_column="event_offset")
    rows = [payment(f"{i:06d}", f"{i % 9000 + 1}.25") for i in range(50_000)]
    started = time.perf_counter()
    assert await sink.write(rows) == 50_000
    inserted = time.perf_counter() - started
    updates = [{**row, "status": "APPLIED", "event_offset": 2} for row in rows]
    started = time.perf_counter()
    assert await sink.write(updates) == 50_000
    updated = time.perf_counter() - started
    print(
        f"\nCOPY + upsert of 50,000 rows: insert {50_000 / inserted:,.0f} rows/s, "
        f"update {50_000 / updated:,.0f} rows/s"
    )
    counts = await pool.fetchrow(
        "SELECT count(*) AS n, count(*) FILTER (WHERE status = 'APPLIED') AS applied "
        "FROM payments.payment WHERE reference_number LIKE $1",
        prefix + "%",
    )
    assert (counts["n"], counts["applied"]) == (50_000, 50_000)


async def test_write_waits_out_an_outage(
    settings: Settings,
    pool: Any,
    prefix: str,
    payment: PaymentRow,
    caplog: pytest.LogCaptureFixture,
) -> None:
    proxy = TcpProxy(settings.pg_host, settings.pg_port)
    await proxy.start()
    proxied = await create_pool(settings.model_copy(update={"pg_port": proxy.port}))
    try:
        sink = payment_sink(proxied, initial_backoff=0.1, max_backoff=1.0, acquire_timeout=2.0)
        assert await sink.write([payment("warm-up")]) == 1
        await proxy.stop()
        batch = [payment(f"R{i}", f"{i}.00") for i in range(1, 101)]
        with caplog.at_level(logging.WARNING, logger="persistence.sink"):
            task = asyncio.create_task(sink.write(batch))
            await wait_for(lambda: retries_logged(caplog) >= 3, seconds=20)
            assert not task.done()
            await proxy.start()
            assert await asyncio.wait_for(task, timeout=20) == 100
        assert "attempt 3 failed" in caplog.text
    finally:
        await proxy.stop()
        await proxied.close()
    expected = {f"R{i}": Decimal(f"{i}.00") for i in range(1, 101)}
    assert await amounts(pool, prefix) == {**expected, "warm-up": Decimal("100.00")}


def retries_logged(caplog: pytest.LogCaptureFixture) -> int:
    return sum("retrying in" in r.getMessage() for r in caplog.records)


async def wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)
