"""PUT /api/actions/{id}/result: the outcome of an action, recorded (or corrected) after it.

Like the action itself it goes to the customer's worker as a command (a promise result takes
a promise there), and the answer comes once the result is stored: 200 with the action, or
202 if the worker takes longer than the wait.
"""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
from aiohttp import web as aioweb
from faust.web import Blueprint

from domain.actions import parse_result
from persistence.actions_read import action_by_id
from persistence.decision_signal import DecisionWaiter
from persistence.dictionary_cache import DictionaryCache
from streams.app import CrmApp, crm_app
from streams.avro import codec_for
from streams.commands import COMMAND_HEADER
from streams.topics import WORKFLOW_COMMANDS
from streams.workflow_actions import RECORD_RESULT, RECORD_RESULT_COMMAND, result_to_avro
from web.action_checks import check_due_date, check_outcome
from web.actions import action_id_from_path, action_json
from web.auth import principal_of, requires
from web.jsonio import json_response, read_object
from web.problems import ProblemError
from web.sync_access import customer_scope
from web.views import ApiView


async def _stored(
    app: CrmApp, waiter: DecisionWaiter, row: asyncpg.Record, since: datetime
) -> asyncpg.Record | None:
    """The action once a result recorded at or after `since` is stored; None after the wait."""
    pool = await app.db_pool()

    async def look() -> asyncpg.Record | None:
        current = await action_by_id(pool, row["id"])
        recorded = current["result_recorded_at"] if current is not None else None
        return current if recorded is not None and recorded >= since else None

    found: asyncpg.Record | None = await waiter.wait(
        str(row["id"]), app.settings.action_decision_wait_seconds, look
    )
    return found


def action_results_blueprint(dictionaries: DictionaryCache, waiter: DecisionWaiter) -> Blueprint:
    bp = Blueprint("action-results")

    @bp.route("/api/actions/{actionId}/result", name="result")
    class ActionResultView(ApiView):
        @requires("actions:write", "Record the result of an action (the recorder or a lead)")
        async def put(self, request: aioweb.Request, actionId: str) -> aioweb.Response:
            app = crm_app(self.app)
            caller = principal_of(request)
            row = await action_by_id(await app.db_pool(), action_id_from_path(actionId))
            if row is None or not (await customer_scope(app, request)).allows(row["cif"]):
                raise ProblemError(404, "ACTION_NOT_FOUND", "No action has this id.")
            if row["status"] != "RECORDED":
                raise ProblemError(409, "ACTION_REFUSED", "A refused action has no result.")
            if row["user_id"] != caller.user_id and not caller.may("assignments:write"):
                raise ProblemError(
                    403, "NOT_YOUR_ACTION", "Only who recorded it, or a lead, sets its result."
                )
            # Millisecond precision: what the command carries, so the stored value compares.
            now = datetime.now(UTC)
            now = now.replace(microsecond=now.microsecond // 1000 * 1000)
            body = await read_object(request)
            result = parse_result(body, action=row, user_id=caller.user_id, now=now)
            snapshot = await dictionaries.get()
            check_outcome(
                snapshot, row["action_type"], row["subtype"], result.result, result.promise
            )
            check_due_date(app.settings, result.promise, now)
            command = codec_for(app.settings).encode(RECORD_RESULT, result_to_avro(result))
            headers: list[tuple[str, str | bytes | None]] = [
                (COMMAND_HEADER, RECORD_RESULT_COMMAND.encode())
            ]
            await app.publisher.publish(
                app.settings.topic(WORKFLOW_COMMANDS.name),
                [(result.cif.encode(), command, headers)],
            )
            stored = await _stored(app, waiter, row, now)
            if stored is None:
                return json_response({"actionId": str(row["id"]), "status": "PENDING"}, status=202)
            return json_response(action_json(stored))

    return bp
