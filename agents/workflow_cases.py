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

from domain.cases import Case, CaseChange, CaseStatus, on_loan
from domain.sync_entities import Loan
from persistence import assignments
from persistence.models.workflow import CustomerCase
from persistence.sink import PostgresSink
from streams.app import CrmApp
from streams.avro import codec_for
from streams.batching import consume_in_batches, processing
from streams.commands import COMMAND_HEADER, CommandHandler, header_value
from streams.core_loans import sync_entity
from streams.dlq import BadMessage, dead_letter
from streams.topics import SYNC_LOAN, WORKFLOW_COMMANDS, WORKFLOW_EVENTS
from streams.workflow_actions import WORKFLOW_EVENT
from streams.workflow_assignments import assignment_publisher
from streams.workflow_cases import (
    ACCOUNT_HEADER,
    LOAN_CHANGED_COMMAND,
    case_event,
    case_row,
    loan_view,
)
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


def track_cases(app: CrmApp, cases: faust.Table) -> CommandHandler:
    """The LOAN_CHANGED handler: keep each customer's case, write it, announce it."""
    codec = codec_for(app.settings)
    sink: PostgresSink | None = None

    def apply(event: EventT, now: datetime) -> _Changed | None:
        key = event.message.key
        account = header_value(event, ACCOUNT_HEADER)
        if not key or account is None:
            raise BadMessage("a forwarded loan needs its CIF key and crm-account header")
        cif = bytes(key).decode()
        view = None
        if event.message.value is not None:
            loan = sync_entity(codec, event.message.value, "sync.loan")
            if not isinstance(loan, Loan) or loan.account_number != account:
                raise BadMessage(f"the forwarded record is not loan {account}")
            view = loan_view(loan) if loan.cif == cif else None
        before = case_from_json(cases.get(cif))
        case, change = on_loan(before, cif, account, view, now)
        if before is not None and case == before:
            return None
        cases[cif] = case_to_json(case)
        # A closed case that only lost a current loan needs no row; anything else does.
        if change is None and case.status is CaseStatus.CLOSED:
            return None
        return _Changed(case, change)

    async def handle(run: list[EventT]) -> None:
        nonlocal sink
        now = datetime.now(UTC)
        changed: list[_Changed] = []
        for event in run:
            with processing(event):
                try:
                    if (c := apply(event, now)) is not None:
                        changed.append(c)
                except BadMessage as exc:
                    await dead_letter(app, event.message, exc)
        if not changed:
            return
        pool = await app.db_pool()
        if sink is None:
            sink = PostgresSink(pool, CustomerCase.__table__, ["cif"], version_column="version")
        await sink.write([case_row(c.case, now) for c in changed])
        for c in changed:
            if c.change is CaseChange.CLOSED:
                await assignments.end_current(
                    pool, c.case.cif, CURED, now, assignment_publisher(app, "workflow")
                )
        events = [
            (c.case.cif.encode(), codec.encode(WORKFLOW_EVENT, case_event(c.case, c.change, now)))
            for c in changed
            if c.change is not None
        ]
        await app.publisher.publish(app.settings.topic(WORKFLOW_EVENTS.name), events)

    return handle
