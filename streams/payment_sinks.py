"""Where the payments agent's decisions land in PostgreSQL: payment, allocation, history."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from domain.loan_ledger import Decision
from persistence.models.payments import Payment, PaymentAllocation, PaymentHistory
from persistence.retry import retrying
from persistence.sink import PostgresSink, SinkDataError
from streams.app import CrmApp
from streams.payments import allocation_rows, history_rows, payment_row, reversal_update

log = logging.getLogger(__name__)

# A reversal moves its original payment to REVERSED, only forward (by version). The row is
# there already: the original was written in an earlier batch or earlier in this one; after
# a crash, the original's replay writes REVERSED itself from the ledger.
_REVERSE_SQL = """
UPDATE payments.payment AS p
   SET status = 'REVERSED', version = u.version, updated_at = u.updated_at
  FROM unnest($1::text[], $2::int[], $3::timestamptz[]) AS u(reference_number, version, updated_at)
 WHERE p.reference_number = u.reference_number AND p.version < u.version
"""

# Columns a later status may change; what the payer sent never changes.
_STATUS_COLUMNS = ["status", "reason", "cif", "applied_at", "version", "updated_at"]


class HasDecisions(Protocol):
    decisions: list[Decision]


H = TypeVar("H", bound=HasDecisions)


class PaymentSinks:
    """One batch's rows, written table by table; a refused batch is retried message by message."""

    def __init__(self, app: CrmApp) -> None:
        self._app = app
        self._sinks: tuple[PostgresSink, PostgresSink, PostgresSink] | None = None

    async def _ready(self) -> tuple[PostgresSink, PostgresSink, PostgresSink]:
        if self._sinks is None:
            app = self._app
            self._sinks = (
                # Forward only: a replayed SUSPENSE row never overwrites the APPLIED one.
                await app.sink(
                    Payment.__table__,
                    ["reference_number"],
                    update_columns=_STATUS_COLUMNS,
                    version_column="version",
                ),
                # An allocation, once stored, is the receipt's: never rewritten.
                await app.sink(
                    PaymentAllocation.__table__,
                    ["reference_number", "line_no"],
                    update_columns=[],
                ),
                await app.sink(PaymentHistory.__table__, ["event_id"], update_columns=[]),
            )
        return self._sinks

    async def _write(self, decisions: Sequence[Decision], now: datetime) -> None:
        payments, allocations, history = await self._ready()
        rows = [r for d in decisions if (r := payment_row(d, now)) is not None]
        # The same reference can appear twice in a batch (suspense then release): the row
        # with the higher version is the one to keep.
        latest: dict[str, dict[str, Any]] = {}
        for row in rows:
            held = latest.get(row["reference_number"])
            if held is None or held["version"] <= row["version"]:
                latest[row["reference_number"]] = row
        lines = [line for d in decisions for line in allocation_rows(d)]
        entries = {h["event_id"]: h for d in decisions for h in history_rows(d, now)}
        reversals = [u for d in decisions if (u := reversal_update(d, now)) is not None]
        await payments.write(list(latest.values()))
        # Allocation and history rows reference the payment only by its number: no order
        # between them is needed once the payment row is in.
        await asyncio.gather(
            allocations.write(lines),
            history.write(list(entries.values())),
            self._reverse(reversals),
        )

    async def _reverse(self, updates: list[dict[str, Any]]) -> None:
        if not updates:
            return
        pool = await self._app.db_pool()
        await retrying(
            pool.execute,
            _REVERSE_SQL,
            [u["reference_number"] for u in updates],
            [u["version"] for u in updates],
            [u["updated_at"] for u in updates],
            what="reverse payments",
            pool=pool,
        )

    async def flush(
        self,
        handled: list[H],
        now: datetime,
        refused: Callable[[H, BaseException], Awaitable[None]],
    ) -> list[H]:
        """Write every decision; return the messages whose rows PostgreSQL took."""
        try:
            await self._write([d for h in handled for d in h.decisions], now)
            return handled
        except SinkDataError:
            log.warning("batch refused by PostgreSQL; writing its messages one by one")
        kept: list[H] = []
        for h in handled:
            try:
                await self._write(h.decisions, now)
                kept.append(h)
            except SinkDataError as exc:
                await refused(h, exc)
        return kept
