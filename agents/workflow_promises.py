"""Promises in the workflow service: made with an action, covered by payments, kept or broken.

All of a customer's promise changes happen in the worker that owns the customer (commands
keyed by CIF): actions that take a promise, the customer's payments (payments.events re-keyed
by CIF onto workflow.commands), approvals and the due-date timer's PROMISE_DUE. Each handler
changes the book in the table first, then writes rows and publishes events; a replay finds
the change made and repeats nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import faust
from faust.types import EventT

from agents.workflow_cases import CaseDesk
from domain import promises as rules
from domain.actions import RecordAction, RecordResult
from domain.promises import Book, Change, Changed, Payment, Promise, PromiseStatus
from persistence.decision_signal import announce
from persistence.models.workflow import CustomerPayment, PromiseRow
from persistence.sink import PostgresSink
from streams.app import CrmApp
from streams.avro import codec_for
from streams.batching import consume_in_batches, processing
from streams.commands import COMMAND_HEADER, CommandHandler, customer_command
from streams.dlq import BadMessage, dead_letter
from streams.topics import PAYMENTS_EVENTS, WORKFLOW_COMMANDS, WORKFLOW_EVENTS
from streams.workflow_actions import WORKFLOW_EVENT
from streams.workflow_promises import (
    APPROVE_PROMISE,
    APPROVE_PROMISE_COMMAND,
    PAYMENT_EVENT,
    PAYMENT_EVENT_COMMAND,
    PROMISE_DUE,
    PROMISE_DUE_COMMAND,
    promise_event,
    promise_row,
)
from tables.raw import RawKeyedTable
from tables.workflow import book_from_json, book_to_json

log = logging.getLogger(__name__)

# Payments that reached the bank: applied to a loan, or held until the loan is known.
_COUNTED = frozenset({"APPLIED", "SUSPENSE"})


@dataclass(frozen=True, slots=True)
class _Made:
    changed: Changed
    actor: str | None
    approved_by: str | None


class PromiseDesk:
    """The promise books of the customers this worker owns; changes are flushed per batch."""

    def __init__(self, app: CrmApp, books: RawKeyedTable, cases: CaseDesk) -> None:
        self._app = app
        self._books = books
        # A broken promise raises the priority of the customer's case (same worker, same key).
        self._cases = cases
        self._zone = ZoneInfo(app.settings.bank_timezone)
        self._limits = app.settings.promise_approval_limits
        self._codec = codec_for(app.settings)
        self._sink: PostgresSink | None = None
        self._payments_sink: PostgresSink | None = None
        self._made: list[_Made] = []
        # The customers' payments and reversals seen in this batch (performance attribution).
        self._payments: list[dict[str, object]] = []
        self._reversals: list[tuple[str, datetime]] = []

    def today(self, now: datetime) -> date:
        return now.astimezone(self._zone).date()

    def _change(
        self,
        cif: str,
        step: Callable[[Book | None], tuple[Book, list[Changed]]],
        actor: str | None,
        approved_by: str | None = None,
    ) -> None:
        """Apply one step to the customer's book; call inside the message's processing()."""
        before = self._books.stored(cif)
        book, changed = step(book_from_json(before))
        after = book_to_json(book)
        # A customer who never promised anything gets no book (most payers).
        if after != before and not (before is None and book == Book()):
            self._books[cif] = after
        self._made += [_Made(c, actor, approved_by) for c in changed]
        for c in changed:
            if c.change is Change.BROKEN and c.promise.closed_at is not None:
                self._cases.promise_broken(cif, c.promise.closed_at)

    def needs_approval(self, amount: Decimal, currency: str) -> bool:
        limit = self._limits.get(currency)
        # A currency without a limit always goes to a supervisor.
        return limit is None or amount > limit

    def made_with(self, action: RecordAction | RecordResult) -> None:
        """The promise an action's PROMISE_TO_PAY-like result took (its terms were checked).

        Its id is the action's: an action takes one promise, whenever its result is recorded.
        """
        terms = action.promise
        assert terms is not None
        made_at = action.occurred_at if isinstance(action, RecordAction) else action.recorded_at
        status = (
            PromiseStatus.PENDING_APPROVAL
            if self.needs_approval(terms.amount, terms.currency)
            else PromiseStatus.PENDING
        )
        promise = Promise(
            promise_id=str(action.action_id),
            cif=action.cif,
            account_number=action.account_number,
            amount=terms.amount,
            currency=terms.currency,
            due_date=terms.due_date,
            created_at=made_at,
            created_by=action.user_id,
            status=status,
        )
        self._change(action.cif, lambda b: rules.make(b, promise), action.user_id)

    async def _flush_payments(self) -> None:
        payments, self._payments = self._payments, []
        reversals, self._reversals = self._reversals, []
        pool = await self._app.db_pool()
        if payments:
            if self._payments_sink is None:
                # Insert-or-nothing: a payment delivered again (SUSPENSE, then APPLIED) is one.
                self._payments_sink = await self._app.sink(
                    CustomerPayment.__table__, ["reference_number"], update_columns=[]
                )
            await self._payments_sink.write(payments)
        if reversals:
            await pool.executemany(
                "UPDATE workflow.customer_payment SET reversed_at = $2"
                " WHERE reference_number = $1 AND reversed_at IS NULL",
                reversals,
            )

    async def flush(self, now: datetime) -> None:
        """Write the changed promises (only forward, by version) and publish their events."""
        # PostgreSQL never gets ahead of the tables' changelogs (see RawKeyedTable).
        await self._books.changelog_durable()
        await self._flush_payments()
        made, self._made = self._made, []
        if not made:
            return
        # The cases the broken promises raised, first: the promise events then follow them.
        await self._cases.flush(now)
        if self._sink is None:
            self._sink = await self._app.sink(
                PromiseRow.__table__, ["promise_id"], version_column="version"
            )
        rows = [promise_row(m.changed.promise, m.approved_by, now) for m in made]
        await self._sink.write(rows)
        # Committed: wake a request waiting on one of them (an approval) in any web worker.
        await announce(await self._app.db_pool(), [m.changed.promise.promise_id for m in made])
        events = [
            (
                m.changed.promise.cif.encode(),
                self._codec.encode(WORKFLOW_EVENT, promise_event(m.changed, m.actor, now)),
            )
            for m in made
            if m.changed.change is not None
        ]
        await self._app.publisher.publish(self._app.settings.topic(WORKFLOW_EVENTS.name), events)

    def handler(
        self, step: Callable[[dict[str, object], datetime], None], expected: str
    ) -> CommandHandler:
        """A command handler: decode each command, take its step, then flush the batch."""

        async def handle(run: list[EventT]) -> None:
            now = datetime.now(UTC)
            for event in run:
                with processing(event):
                    try:
                        step(customer_command(self._codec, event, expected), now)
                    except BadMessage as exc:
                        await dead_letter(self._app, event.message, exc)
            await self.flush(now)

        return handle

    # The steps, one per command type.

    def paid(self, r: dict[str, object], now: datetime) -> None:
        cif = str(r["cif"])
        if r["eventType"] == "PAYMENT_REVERSED":
            reference = str(r["referenceNumber"])
            occurred = r["occurredAt"]
            assert isinstance(occurred, datetime)
            self._reversals.append((reference, occurred))
            today = self.today(now)
            self._change(cif, lambda b: rules.reverse(b, reference, today, now), None)
            return
        if r["eventType"] != "PAYMENT_RECEIVED" or r["status"] not in _COUNTED:
            return
        paid_at = r.get("paidAt") or r["occurredAt"]
        assert isinstance(paid_at, datetime)
        payment = Payment(
            str(r["referenceNumber"]),
            Decimal(str(r["amount"])),
            str(r["currency"]),
            paid_at,
            self.today(paid_at),
        )
        self._payments.append(
            {
                "reference_number": payment.reference,
                "cif": cif,
                "account_number": str(r["loanAccountNumber"]),
                "amount": payment.amount,
                "currency": payment.currency,
                "paid_at": payment.paid_at,
                "reversed_at": None,
            }
        )
        self._change(cif, lambda b: rules.pay(b, payment, now), None)

    def due(self, r: dict[str, object], now: datetime) -> None:
        as_of = r["asOf"]
        assert isinstance(as_of, date)
        self._change(str(r["cif"]), lambda b: rules.due(b, as_of, now), None)

    def approved(self, r: dict[str, object], now: datetime) -> None:
        promise_id, approver = str(r["promiseId"]), str(r["approverUserId"])
        self._change(
            str(r["cif"]), lambda b: rules.approve(b or Book(), promise_id, now), approver, approver
        )


def forward_payments(app: CrmApp) -> None:
    """Re-key payments.events by CIF onto workflow.commands, so a customer's payments reach
    the worker that owns their promises. Events without a CIF cannot be matched and stay."""
    codec = codec_for(app.settings)
    commands = app.settings.topic(WORKFLOW_COMMANDS.name)
    header: list[tuple[str, str | bytes | None]] = [
        (COMMAND_HEADER, PAYMENT_EVENT_COMMAND.encode())
    ]

    async def forward(batch: list[EventT]) -> None:
        records = []
        for event in batch:
            value = event.message.value
            try:
                name, record = codec.decode(value if value is not None else b"")
                if name != PAYMENT_EVENT:
                    raise BadMessage(f"{name} is not a PaymentEvent")
            except ValueError as exc:
                await dead_letter(app, event.message, BadMessage(str(exc)))
                continue
            except BadMessage as exc:
                await dead_letter(app, event.message, exc)
                continue
            if record.get("cif"):
                records.append((str(record["cif"]).encode(), value, header))
        await app.publisher.publish(commands, records)

    @app.agent(app.raw_topic(PAYMENTS_EVENTS), name="workflow.forward-payments")
    async def forward_payment_events(stream: faust.StreamT) -> None:
        await consume_in_batches(
            app, stream, app.settings.sink_batch_size, app.settings.sink_flush_seconds, forward
        )


def watch_due_dates(app: CrmApp, books: RawKeyedTable, desk: PromiseDesk) -> None:
    """Every few minutes, ask each local customer whose open promise is past due to break it.

    The ask is a PROMISE_DUE command, so the break happens in the customer's worker, in
    order with everything else about them; asking twice is harmless.
    """
    codec = codec_for(app.settings)
    commands = app.settings.topic(WORKFLOW_COMMANDS.name)
    header: list[tuple[str, str | bytes | None]] = [(COMMAND_HEADER, PROMISE_DUE_COMMAND.encode())]

    @app.timer(app.settings.promise_scan_seconds)
    async def promises_due() -> None:
        now = datetime.now(UTC)
        today = desk.today(now)
        asks = []
        for cif, value in list(books.items()):
            book = book_from_json(value)
            next_due = rules.next_due(book) if book else None
            if next_due is not None and next_due < today:
                record = {"cif": cif, "asOf": today, "issuedAt": now}
                asks.append((str(cif).encode(), codec.encode(PROMISE_DUE, record), header))
        if asks:
            log.info("asking %d customers to break promises due before %s", len(asks), today)
            await app.publisher.publish(commands, asks)


def promise_handlers(desk: PromiseDesk) -> dict[str, CommandHandler]:
    return {
        PAYMENT_EVENT_COMMAND: desk.handler(desk.paid, PAYMENT_EVENT),
        PROMISE_DUE_COMMAND: desk.handler(desk.due, PROMISE_DUE),
        APPROVE_PROMISE_COMMAND: desk.handler(desk.approved, APPROVE_PROMISE),
    }
