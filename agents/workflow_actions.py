"""The workflow agent that decides recorded actions against the contact rules, once.

RECORD_ACTION commands arrive on workflow.commands keyed by CIF, so one worker owns each
customer's contact state (table customer-contacts) and decides their actions in order.
Per batch: decide and update the table, write the rows, publish the events, then ack —
a crash anywhere replays the commands, and the table hands back the same decisions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from faust.types import EventT

from agents.workflow_promises import PromiseDesk
from domain.action_decision import Decided, Status, decide, decided_to_json, kind_of
from domain.actions import RecordAction, RecordResult
from persistence.decision_signal import DecisionWaiter, announce
from persistence.dictionary_cache import DictionaryCache
from persistence.models.workflow import ActionRecord, ActionResult
from persistence.sink import PostgresSink
from streams.app import CrmApp
from streams.avro import codec_for
from streams.batching import processing
from streams.commands import CommandHandler, parsed_command
from streams.dlq import BadMessage, dead_letter, write_isolating
from streams.metrics import MESSAGES
from streams.topics import WORKFLOW_EVENTS
from streams.workflow_actions import (
    RECORD_ACTION,
    RECORD_RESULT,
    WORKFLOW_EVENT,
    action_event,
    action_from_avro,
    action_row,
    later_result_row,
    result_event,
    result_from_avro,
    result_row,
)
from tables.raw import RawKeyedTable
from tables.workflow import contacts_from_json, contacts_to_json

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Handled:
    event: EventT
    action: RecordAction
    decided: Decided
    # Decided before (a retried or replayed command): the waiting request reads the row.
    replay: bool

    def outcome(self) -> dict[str, Any]:
        """What a request waiting for this action is told (see decision_signal)."""
        return {**decided_to_json(self.decided), "replay": self.replay}


class _Sinks:
    """action_record, then action_result (its foreign key needs the action first)."""

    def __init__(self, app: CrmApp) -> None:
        self._app = app
        self._sinks: tuple[PostgresSink, PostgresSink] | None = None

    async def write(self, handled: list[Handled]) -> list[Handled]:
        """Write every row; a message whose row PostgreSQL refuses is dead-lettered."""
        return await write_isolating(
            self._app, handled, self._write, lambda h: h.event.message, "actions"
        )

    async def _write(self, handled: list[Handled]) -> None:
        actions, results = await self._ready()
        await actions.write(
            [action_row(h.action, h.decided, h.event.message.offset) for h in handled]
        )
        rows = [row for h in handled if (row := result_row(h.action, h.decided)) is not None]
        await results.write(rows)

    async def _ready(self) -> tuple[PostgresSink, PostgresSink]:
        if self._sinks is None:
            app = self._app
            # Insert-or-nothing: a replayed decision is the same row; a result recorded later
            # (PUT …/result) is not overwritten by a replay of the original command.
            self._sinks = (
                await app.sink(ActionRecord.__table__, ["id"], update_columns=[]),
                await app.sink(ActionResult.__table__, ["action_id"], update_columns=[]),
            )
        return self._sinks


def record_actions(
    app: CrmApp,
    contacts: RawKeyedTable,
    dictionaries: DictionaryCache,
    promises: PromiseDesk,
    waiter: DecisionWaiter,
) -> CommandHandler:
    """The RECORD_ACTION handler of the workflow service's command topic."""
    settings = app.settings
    codec = codec_for(settings)
    policy = settings.contact_policy()
    events_topic = settings.topic(WORKFLOW_EVENTS.name)
    sinks = _Sinks(app)

    def decode(event: EventT) -> RecordAction:
        return parsed_command(codec, event, RECORD_ACTION, action_from_avro)

    async def handle(run: list[EventT]) -> None:
        snapshot = await dictionaries.get()
        now = datetime.now(UTC)
        handled: list[Handled] = []
        for event in run:
            with processing(event):
                try:
                    action = decode(event)
                except BadMessage as exc:
                    await dead_letter(app, event.message, exc)
                    continue
                previous = contacts_from_json(contacts.stored(action.cif))
                decision, updated = decide(previous, action, kind_of(snapshot, action), policy, now)
                # Before the sink: a crash in between replays the command, which the state
                # recognises and answers with the same decision. A replay writes it again:
                # the state may be only in this worker's RocksDB, its changelog entry lost.
                contacts[action.cif] = contacts_to_json(updated)
                handled.append(Handled(event, action, decision.decided, decision.replay))
                MESSAGES.labels(app.service_name, "actions", decision.decided.status).inc()
                result = snapshot.result(action.result) if action.result else None
                recorded = decision.decided.status is Status.RECORDED
                if recorded and result and result.creates_promise and action.promise:
                    # A replay makes it again, which the book recognises: no second promise.
                    promises.made_with(action)
        # PostgreSQL never gets ahead of the tables' changelogs (see RawKeyedTable).
        await contacts.changelog_durable()
        kept = await sinks.write(handled)
        # Committed: wake the requests waiting for these decisions, here and elsewhere.
        outcomes = {str(h.action.action_id): h.outcome() for h in kept}
        woken = waiter.settle(outcomes)
        # Only what no request of this process waited for: with one workflow worker that is
        # nothing, and the NOTIFY per batch was 2% of the worker at 1,000 actions/s (py-spy).
        # A second request for the same id in another process then looks at the row within
        # a second instead.
        await announce(await app.db_pool(), [i for i in outcomes if i not in woken], outcomes)
        await promises.flush(now)
        events = [
            (
                h.action.cif.encode(),
                codec.encode(WORKFLOW_EVENT, action_event(h.action, h.decided, now)),
            )
            for h in kept
        ]
        await app.publisher.publish(events_topic, events)

    return handle


def record_results(app: CrmApp, promises: PromiseDesk) -> CommandHandler:
    """The RECORD_RESULT handler: replace an action's result; a promise result takes one."""
    codec = codec_for(app.settings)
    events_topic = app.settings.topic(WORKFLOW_EVENTS.name)
    sink: PostgresSink | None = None

    def decode(event: EventT) -> RecordResult:
        return parsed_command(codec, event, RECORD_RESULT, result_from_avro)

    async def handle(run: list[EventT]) -> None:
        nonlocal sink
        now = datetime.now(UTC)
        results: list[RecordResult] = []
        for event in run:
            with processing(event):
                try:
                    result = decode(event)
                except BadMessage as exc:
                    await dead_letter(app, event.message, exc)
                    continue
                # The view checked the terms against the dictionaries: terms mean a promise.
                if result.promise is not None:
                    promises.made_with(result)
                results.append(result)
        if sink is None:
            # The latest recording wins; a replay of an older one does not undo a newer one.
            sink = await app.sink(
                ActionResult.__table__, ["action_id"], version_column="recorded_at"
            )
        await sink.write([later_result_row(r) for r in results])
        await announce(await app.db_pool(), [str(r.action_id) for r in results])
        await promises.flush(now)
        events = [
            (r.cif.encode(), codec.encode(WORKFLOW_EVENT, result_event(r, now))) for r in results
        ]
        await app.publisher.publish(events_topic, events)

    return handle
