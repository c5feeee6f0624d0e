"""The workflow agent that moves cases between processing states, once per request.

CHANGE_CASE_STATUS commands arrive on workflow.commands keyed by CIF, so the worker that owns
the customer's case (table customer-cases) decides their changes in order, against the case
and one snapshot of the case dictionaries. Per batch: decide and update the table, write the
case rows and the history, wake the waiting requests, publish STATUS_CHANGED, then ack — a
crash anywhere replays the commands, and the case hands back the same decisions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from faust.types import EventT

from domain.case_dictionary import CaseDictionaries
from domain.case_states import CaseDecision, CaseStateChange, ChangeStatus
from domain.case_transitions import decide_change
from domain.cases import Case
from persistence.decision_signal import announce
from persistence.models.workflow import CustomerCase, CustomerCaseAction
from persistence.sink import PostgresSink
from persistence.snapshot_cache import SnapshotCache
from streams.app import CrmApp
from streams.avro import codec_for
from streams.batching import processing
from streams.case_states import (
    CHANGE_CASE_STATUS,
    change_from_avro,
    history_row,
    status_changed_event,
)
from streams.commands import CommandHandler, parsed_command
from streams.dlq import BadMessage, dead_letter, write_isolating
from streams.metrics import MESSAGES
from streams.topics import WORKFLOW_EVENTS
from streams.workflow_actions import WORKFLOW_EVENT
from streams.workflow_cases import case_row
from tables.raw import RawKeyedTable
from tables.workflow import case_from_json, case_to_json

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Handled:
    event: EventT
    change: CaseStateChange
    decision: CaseDecision
    # The case after the decision (None: the customer has none).
    case: Case | None


class _Sinks:
    """The case rows, then the history (a request that sees its history row finds the case
    row already moved)."""

    def __init__(self, app: CrmApp) -> None:
        self._app = app
        self._sinks: tuple[PostgresSink, PostgresSink] | None = None

    async def write(self, handled: list[Handled], now: datetime) -> list[Handled]:
        """Write every row; a message whose row PostgreSQL refuses is dead-lettered."""

        async def write(some: list[Handled]) -> None:
            await self._write(some, now)

        return await write_isolating(
            self._app, handled, write, lambda h: h.event.message, "case states"
        )

    async def _write(self, handled: list[Handled], now: datetime) -> None:
        cases, history = await self._ready()
        # One row per customer (the batch's last case of each); the version guard keeps a
        # replayed older case from overwriting a newer row.
        latest = {h.case.cif: h.case for h in handled if h.case is not None}
        await cases.write([case_row(case, now) for case in latest.values()])
        await history.write(
            [history_row(h.change, h.decision, h.event.message.offset) for h in handled]
        )

    async def _ready(self) -> tuple[PostgresSink, PostgresSink]:
        if self._sinks is None:
            app = self._app
            self._sinks = (
                await app.sink(CustomerCase.__table__, ["cif"], version_column="version"),
                # Insert-or-nothing: a replayed decision is the same row.
                await app.sink(CustomerCaseAction.__table__, ["id"], update_columns=[]),
            )
        return self._sinks


def change_case_states(
    app: CrmApp, cases: RawKeyedTable, dictionaries: SnapshotCache[CaseDictionaries]
) -> CommandHandler:
    """The CHANGE_CASE_STATUS handler of the workflow service's command topic."""
    codec = codec_for(app.settings)
    events_topic = app.settings.topic(WORKFLOW_EVENTS.name)
    sinks = _Sinks(app)

    def decode(event: EventT) -> CaseStateChange:
        return parsed_command(codec, event, CHANGE_CASE_STATUS, change_from_avro)

    async def handle(run: list[EventT]) -> None:
        snapshot = await dictionaries.get()
        now = datetime.now(UTC)
        handled: list[Handled] = []
        for event in run:
            with processing(event):
                try:
                    change = decode(event)
                except BadMessage as exc:
                    await dead_letter(app, event.message, exc)
                    continue
                before = case_from_json(cases.stored(change.cif))
                decision, after, _ = decide_change(before, change, snapshot, now)
                if after is not None:
                    # Before the sink: a crash in between replays the command, which the case
                    # recognises and answers with the same decision. A replay writes it again:
                    # the case may be only in this worker's RocksDB, its changelog entry lost.
                    cases[change.cif] = case_to_json(after)
                handled.append(Handled(event, change, decision, after))
                MESSAGES.labels(app.service_name, "case-states", decision.status).inc()
        # PostgreSQL never gets ahead of the tables' changelogs (see RawKeyedTable).
        await cases.changelog_durable()
        kept = await sinks.write(handled, now)
        # Committed: wake the requests waiting for these decisions, wherever they wait.
        await announce(await app.db_pool(), [str(h.change.case_action_id) for h in kept])
        events = [
            (
                h.change.cif.encode(),
                codec.encode(WORKFLOW_EVENT, status_changed_event(h.change, h.decision)),
            )
            for h in kept
            if h.decision.status is ChangeStatus.ACCEPTED
        ]
        await app.publisher.publish(events_topic, events)

    return handle
