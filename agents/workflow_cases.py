"""Cases in the workflow service: the core's past-due loans, per customer, open or cured.

`workflow.forward-loans` reads sync.loan (keyed by account) and forwards to the customer's
worker, on workflow.commands keyed by CIF, only what can matter to a case: loans past due now,
and loans that were (their cure or deletion). Most loans are current and never travel.
The customer's worker keeps the case (table customer-cases), writes workflow.customer_case,
publishes CASE_OPENED/UPDATED/CLOSED, and when a case closes ends the customer's assignment:
a cured customer leaves every queue.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import faust
from faust.types import EventT

from agents.workflow_strategy import Placer
from domain.cases import Case, CaseChange, CaseStatus, on_loan, on_promise_broken
from domain.sync_entities import Loan
from persistence import assignments
from persistence.models.workflow import CustomerCase
from persistence.retry import retrying
from persistence.sink import PostgresSink
from streams.app import CrmApp
from streams.avro import codec_for
from streams.batching import consume_in_batches, processing
from streams.commands import COMMAND_HEADER, CommandHandler, header_value
from streams.core_loans import sync_entity
from streams.dlq import BadMessage, dead_letter
from streams.topics import SYNC_LOAN, WORKFLOW_COMMANDS, WORKFLOW_EVENTS
from streams.workflow_actions import WORKFLOW_EVENT
from streams.workflow_assignments import publish_changes
from streams.workflow_cases import (
    ACCOUNT_HEADER,
    LOAN_CHANGED_COMMAND,
    case_event,
    case_row,
    loan_view,
)
from tables.raw import RawKeyedTable
from tables.workflow import case_from_json, case_to_json

log = logging.getLogger(__name__)

CURED = "CURED: no loan past due"
Headers = list[tuple[str, str | bytes | None]]


def _headers(account: str) -> Headers:
    return [(COMMAND_HEADER, LOAN_CHANGED_COMMAND.encode()), (ACCOUNT_HEADER, account.encode())]


def forward_loans(app: CrmApp, owners: faust.Table) -> None:
    """sync.loan → workflow.commands (by CIF), for loans past due now or before."""
    codec = codec_for(app.settings)
    commands = app.settings.topic(WORKFLOW_COMMANDS.name)

    def route(event: EventT) -> list[tuple[bytes, bytes | None, Headers]]:
        key, value = event.message.key, event.message.value
        if not key:
            raise BadMessage("a sync.loan record has no key")
        account = bytes(key).decode()
        before = owners.get(account)
        if value is None:
            if before is None:
                return []
            del owners[account]
            return [(before.encode(), None, _headers(account))]
        loan = sync_entity(codec, value, "sync.loan")
        if not isinstance(loan, Loan) or loan.account_number != account:
            raise BadMessage(f"sync.loan record is not loan {account}")
        past_due = not loan.is_deleted and loan.status == "OPEN" and loan.dpd > 0
        out: list[tuple[bytes, bytes | None, Headers]] = []
        if before is not None and before != loan.cif:
            # The loan moved to another customer: it leaves the old one's case.
            out.append((before.encode(), None, _headers(account)))
        if past_due or before == loan.cif:
            out.append((loan.cif.encode(), value, _headers(account)))
        if past_due:
            owners[account] = loan.cif
        elif before is not None:
            del owners[account]
        return out

    async def forward(batch: list[EventT]) -> None:
        records = []
        for event in batch:
            with processing(event):
                try:
                    records += route(event)
                except BadMessage as exc:
                    await dead_letter(app, event.message, exc)
        await app.publisher.publish(commands, records)

    @app.agent(app.raw_topic(SYNC_LOAN), name="workflow.forward-loans")
    async def forward_past_due_loans(stream: faust.StreamT) -> None:
        await consume_in_batches(
            app, stream, app.settings.sink_batch_size, app.settings.sink_flush_seconds, forward
        )


@dataclass(frozen=True, slots=True)
class _Changed:
    case: Case
    change: CaseChange | None


class CaseDesk:
    """The cases of the customers this worker owns; changes are written and announced per
    batch. Loans open, move and close them; a broken promise raises their priority."""

    def __init__(self, app: CrmApp, cases: RawKeyedTable, placer: Placer | None = None) -> None:
        self._app = app
        self._cases = cases
        self._placer = placer
        self._codec = codec_for(app.settings)
        self._sink: PostgresSink | None = None
        self._changed: list[_Changed] = []
        self._publish_changes = publish_changes(app, "workflow")

    def _keep(self, before: Case | None, case: Case, change: CaseChange | None) -> None:
        """Store the case (call inside the message's processing()); note what to write."""
        if before is not None and case == before:
            return
        self._cases[case.cif] = case_to_json(case)
        # A closed case that only lost a current loan needs no row; anything else does.
        if change is not None or case.status is CaseStatus.OPEN:
            self._changed.append(_Changed(case, change))

    def loan_changed(self, event: EventT, now: datetime) -> None:
        key = event.message.key
        account = header_value(event, ACCOUNT_HEADER)
        if not key or account is None:
            raise BadMessage("a forwarded loan needs its CIF key and crm-account header")
        cif = bytes(key).decode()
        view = None
        if event.message.value is not None:
            loan = sync_entity(self._codec, event.message.value, "sync.loan")
            if not isinstance(loan, Loan) or loan.account_number != account:
                raise BadMessage(f"the forwarded record is not loan {account}")
            view = loan_view(loan) if loan.cif == cif else None
        before = case_from_json(self._cases.stored(cif))
        self._keep(before, *on_loan(before, cif, account, view, now))

    def promise_broken(self, cif: str, now: datetime) -> None:
        """A promise of the customer broke: their open case moves up the queue."""
        before = case_from_json(self._cases.stored(cif))
        if before is not None:
            self._keep(before, *on_promise_broken(before, now))

    async def flush(self, now: datetime) -> None:
        changed, self._changed = self._changed, []
        if not changed:
            return
        # PostgreSQL never gets ahead of the tables' changelogs (see RawKeyedTable).
        await self._cases.changelog_durable()
        pool = await self._app.db_pool()
        if self._sink is None:
            self._sink = await self._app.sink(
                CustomerCase.__table__, ["cif"], version_column="version"
            )
        await self._sink.write([case_row(c.case, now) for c in changed])
        # Cured customers leave their agents: one statement and one send for the batch.
        cured = [c.case.cif for c in changed if c.change is CaseChange.CLOSED]
        await retrying(
            assignments.end_all,
            pool,
            cured,
            CURED,
            now,
            self._publish_changes,
            what="ending cured assignments",
            pool=pool,
        )
        if self._placer is not None:
            # Open cases that opened or may have changed bucket get their strategy's agent.
            await self._placer.place(
                [
                    (c.case, c.change is CaseChange.OPENED)
                    for c in changed
                    if c.change is not None and c.case.status is CaseStatus.OPEN
                ],
                now,
            )
        events = [
            (
                c.case.cif.encode(),
                self._codec.encode(WORKFLOW_EVENT, case_event(c.case, c.change, now)),
            )
            for c in changed
            if c.change is not None
        ]
        await self._app.publisher.publish(self._app.settings.topic(WORKFLOW_EVENTS.name), events)

    def strategy_changed(self) -> CommandHandler:
        """The STRATEGY_CHANGED handler: decide these customers' treatment again."""

        async def handle(run: list[EventT]) -> None:
            if self._placer is None:
                return
            now = datetime.now(UTC)
            open_cases = []
            for event in run:
                key = event.message.key
                if not key:
                    await dead_letter(self._app, event.message, BadMessage("no CIF key"))
                    continue
                case = case_from_json(self._cases.stored(bytes(key).decode()))
                # A case closed since it was asked for has nothing to decide.
                if case is not None and case.status is CaseStatus.OPEN:
                    open_cases.append(case)
            await self._placer.decide_again(open_cases, now)

        return handle

    def handler(self) -> CommandHandler:
        """The LOAN_CHANGED handler."""

        async def handle(run: list[EventT]) -> None:
            now = datetime.now(UTC)
            for event in run:
                with processing(event):
                    try:
                        self.loan_changed(event, now)
                    except BadMessage as exc:
                        await dead_letter(self._app, event.message, exc)
            await self.flush(now)

        return handle
