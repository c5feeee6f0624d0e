"""Collection actions: record one (through the customer's worker), read them back.

POST /api/actions publishes a RecordAction on workflow.commands and waits for the worker
that owns the customer to decide it: 201 recorded, 422 refused with the rule, or 202 when
the decision takes longer than the wait (the action is on Kafka and will be decided; GET
/api/actions/{id} shows the outcome). The client's action id makes a retry harmless.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from aiohttp import web as aioweb
from faust.web import Blueprint

from domain.action_decision import decided_from_json
from domain.actions import RecordAction, parse_action
from persistence.actions_read import (
    BY_AGENT,
    BY_CUSTOMER,
    BY_LOAN,
    ActionPage,
    Preflight,
    PreflightKey,
    action_by_id,
    actions_page,
    agent_id_of,
    joined_row,
)
from persistence.coalesce import Coalescer
from persistence.decision_signal import DecisionWaiter
from persistence.dictionary_cache import DictionaryCache
from streams.app import CrmApp, crm_app
from streams.avro import codec_for
from streams.commands import COMMAND_HEADER
from streams.topics import WORKFLOW_COMMANDS
from streams.workflow_actions import (
    RECORD_ACTION,
    RECORD_ACTION_COMMAND,
    action_from_avro,
    action_row,
    action_to_avro,
    result_row,
)
from web.action_checks import check_channel, check_codes, check_due_date, check_outcome
from web.auth import principal_of, requires
from web.jsonio import json_response, read_object
from web.pagination import date_filter, page_body, page_of, time_key_cursor
from web.problems import ProblemError
from web.sync_access import audit_reads, customer_scope, scope_cifs
from web.views import ApiView

_POLL_SECONDS = 0.05


def action_json(row: Mapping[str, Any]) -> dict[str, Any]:
    location = None
    if row["latitude"] is not None:
        location = {"latitude": row["latitude"], "longitude": row["longitude"]}
    result = None
    if row["result"] is not None:
        promise = None
        if row["promise_amount"] is not None:
            promise = {"amount": row["promise_amount"], "dueDate": row["promise_due_date"]}
        result = {
            "code": row["result"],
            "notes": row["result_notes"],
            "promise": promise,
            "recordedBy": row["result_recorded_by"],
            "recordedAt": row["result_recorded_at"],
        }
    return {
        "actionId": str(row["id"]),
        "cif": row["cif"],
        "accountNumber": row["account_number"],
        "agentId": row["agent_id"],
        "userId": row["user_id"],
        "actionType": row["action_type"],
        "subtype": row["subtype"],
        "contactedParty": row["contacted_party"],
        "referenceCif": row["reference_cif"],
        "status": row["status"],
        "refusedRule": row["refused_rule"],
        "refusedReason": row["refused_reason"],
        "occurredAt": row["occurred_at"],
        "recordedAt": row["recorded_at"],
        "notes": row["notes"],
        "callTraceId": row["call_trace_id"],
        "location": location,
        "result": result,
    }


def _decided_row(action: RecordAction, outcome: Any) -> dict[str, Any] | None:
    """The stored row of a fresh decision from its announced outcome; None when the row
    must be read instead (a replay answers with what was decided the first time)."""
    if not isinstance(outcome, dict) or outcome.get("replay", True):
        return None
    try:
        decided = decided_from_json(str(action.action_id), outcome)
    except (KeyError, ValueError, TypeError):
        return None
    return joined_row(action_row(action, decided, None), result_row(action, decided))


def _same_action(row: Mapping[str, Any], a: RecordAction) -> bool:
    return (row["cif"], row["action_type"], row["subtype"], row["contacted_party"]) == (
        a.cif,
        a.action_type,
        a.subtype,
        a.party.value,
    )


def _answer(row: Mapping[str, Any], *, created: bool) -> aioweb.Response:
    if row["status"] == "REFUSED":
        raise ProblemError(
            422,
            "ACTION_REFUSED",
            row["refused_reason"],
            extensions={"rule": row["refused_rule"], "actionId": str(row["id"])},
        )
    response = json_response(action_json(row), status=201 if created else 200)
    response.headers["Location"] = f"/api/actions/{row['id']}"
    return response


async def _require_customer(app: CrmApp, request: aioweb.Request, cif: str) -> None:
    if not (await customer_scope(app, request)).allows(cif):
        raise ProblemError(
            403,
            "CUSTOMER_NOT_ASSIGNED",
            "This customer is not assigned to you or your team.",
            field="cif",
        )


def action_id_from_path(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise ProblemError(404, "ACTION_NOT_FOUND", "No action has this id.") from exc


def _after(after: list[Any] | None) -> tuple[datetime, str] | None:
    at, key = time_key_cursor(after)
    if at is None or key is None:
        return None
    try:
        uuid.UUID(key)
    except ValueError as exc:
        raise ProblemError(400, "INVALID_CURSOR", "cursor is not valid", field="cursor") from exc
    return at, key


async def _list(
    app: CrmApp,
    request: aioweb.Request,
    column: str,
    value: str,
    cifs: Collection[str] | None,
) -> aioweb.Response:
    page = page_of(request)
    query = ActionPage(
        column=column,
        value=value,
        since=date_filter(request, "from"),
        until=date_filter(request, "to"),
        after=_after(page.after),
        limit=page.limit,
        cifs=cifs,
    )
    rows = await actions_page(await app.db_pool(), query)
    items = [action_json(r) for r in rows]
    await audit_reads(app, request, [(r["cif"], "actions") for r in rows])
    last = [rows[-1]["occurred_at"].isoformat(), str(rows[-1]["id"])] if rows else None
    return json_response(page_body(items, page, last))


def actions_blueprint(
    dictionaries: DictionaryCache,
    waiter: DecisionWaiter,
    preflight: Coalescer[PreflightKey, Preflight],
) -> Blueprint:
    """`preflight` answers persistence.actions_read.preflights: each request's own query was a
    fifth of the workflow worker at ~800 actions/s, most of it in asyncpg's send (py-spy);
    one query per turn of the event loop now serves every request that reached it."""
    bp = Blueprint("actions")

    @bp.route("/api/actions", name="record")
    class RecordActionView(ApiView):
        @requires("actions:write", "Record a contact attempt; the contact rules decide it")
        async def post(self, request: aioweb.Request) -> aioweb.Response:
            app = crm_app(self.app)
            caller = principal_of(request)
            pool = await app.db_pool()
            body = await read_object(request)
            now = datetime.now(UTC)
            parsed = parse_action(body, now=now, user_id=caller.user_id, agent_id=None)
            await _require_customer(app, request, parsed.cif)
            snapshot = await dictionaries.get()
            check_codes(snapshot, parsed.action_type, parsed.subtype)
            check_outcome(
                snapshot, parsed.action_type, parsed.subtype, parsed.result, parsed.promise
            )
            check_due_date(app.settings, parsed.promise, parsed.occurred_at)
            # One round trip for the caller's agent id, the channels and a replayed id,
            # shared with the other requests of this turn of the event loop.
            key = PreflightKey(caller.user_id, parsed.action_id, parsed.cif)
            known = await preflight.get(key)
            action = replace(parsed, agent_id=known.agent_id)
            existing = known.existing
            if existing is not None:
                if not _same_action(existing, action):
                    raise ProblemError(
                        409,
                        "ACTION_ID_REUSED",
                        "This action id was used for another action.",
                        field="actionId",
                    )
                return _answer(existing, created=False)
            # After the replay check: a channel closed since must not refuse a retry.
            check_channel(known.channels, action.action_type)
            codec = codec_for(app.settings)
            command = codec.encode(RECORD_ACTION, action_to_avro(action))
            headers: list[tuple[str, str | bytes | None]] = [
                (COMMAND_HEADER, RECORD_ACTION_COMMAND.encode())
            ]
            # What the worker will decide on and store: times in milliseconds, decimals at
            # their scale. A fresh decision is answered from it and the announced outcome.
            stored = action_from_avro(codec.decode(command)[1])

            def answered(outcome: Any) -> Mapping[str, Any] | None:
                return _decided_row(stored, outcome)

            async with waiter.expecting(str(action.action_id)) as expected:
                await app.publisher.publish(
                    app.settings.topic(WORKFLOW_COMMANDS.name),
                    [(action.cif.encode(), command, headers)],
                )
                row = await expected.outcome(
                    app.settings.action_decision_wait_seconds,
                    lambda: action_by_id(pool, action.action_id),
                    answered,
                )
            if row is not None and not _same_action(row, action):
                # Two requests with one id at once: the worker decided the other one first.
                raise ProblemError(
                    409,
                    "ACTION_ID_REUSED",
                    "This action id was used for another action.",
                    field="actionId",
                )
            if row is None:
                location = f"/api/actions/{action.action_id}"
                response = json_response(
                    {"actionId": str(action.action_id), "status": "PENDING"}, status=202
                )
                response.headers["Location"] = location
                return response
            return _answer(row, created=True)

    # Before /api/actions/{actionId}: aiohttp tries routes in the order they were added.
    @bp.route("/api/actions/mine", name="mine")
    class MyActions(ApiView):
        @requires("actions:write", "The calling agent's own actions by period (from, to)")
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            app = crm_app(self.app)
            agent_id = await agent_id_of(await app.db_pool(), principal_of(request).user_id)
            if agent_id is None:
                raise ProblemError(404, "NOT_AN_AGENT", "The caller has no agent record.")
            return await _list(app, request, BY_AGENT, agent_id, None)

    @bp.route("/api/actions/{actionId}", name="one")
    class OneAction(ApiView):
        @requires("customers:read", "One action with its result")
        async def get(self, request: aioweb.Request, actionId: str) -> aioweb.Response:
            app = crm_app(self.app)
            row = await action_by_id(await app.db_pool(), action_id_from_path(actionId))
            # Outside the caller's scope: the same 404 as an unknown id.
            if row is None or not (await customer_scope(app, request)).allows(row["cif"]):
                raise ProblemError(404, "ACTION_NOT_FOUND", "No action has this id.")
            await audit_reads(app, request, [(row["cif"], "action")])
            return json_response(action_json(row))

    @bp.route("/api/actions/customer/{cif}", name="by-customer")
    class CustomerActions(ApiView):
        @requires("customers:read", "A customer's actions, newest first (from, to, cursor)")
        async def get(self, request: aioweb.Request, cif: str) -> aioweb.Response:
            app = crm_app(self.app)
            scope = await customer_scope(app, request)
            if not scope.allows(cif):
                raise ProblemError(
                    404, "CUSTOMER_NOT_FOUND", "No customer has this CIF.", field="cif"
                )
            return await _list(app, request, BY_CUSTOMER, cif, None)

    @bp.route("/api/actions/loan/{accountNumber}", name="by-loan")
    class LoanActions(ApiView):
        @requires("customers:read", "Actions about one loan, newest first (from, to, cursor)")
        async def get(self, request: aioweb.Request, accountNumber: str) -> aioweb.Response:
            app = crm_app(self.app)
            cifs = scope_cifs(await customer_scope(app, request))
            return await _list(app, request, BY_LOAN, accountNumber, cifs)

    return bp
