"""Moving a customer's case between processing states (through the customer's worker).

POST /api/cases publishes a ChangeCaseStatus on workflow.commands and waits for the worker
that owns the customer to decide it: 201 accepted, 422 refused with a stable code naming the
field, or 202 when the decision takes longer than the wait (the request is on Kafka and will
be decided; GET /api/cases/changes/{id} shows the outcome). The client's caseActionId makes a
retry harmless: the same request gets the same answer, another one under that id a 409.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from aiohttp import web as aioweb
from faust.web import Blueprint

from domain.case_dictionary import CaseDictionaries
from domain.case_states import parse_case_change
from persistence.actions_read import agent_id_of
from persistence.case_history import case_action_by_id
from persistence.decision_signal import DecisionWaiter
from persistence.snapshot_cache import SnapshotCache
from streams.app import crm_app
from streams.avro import codec_for
from streams.case_states import CHANGE_CASE_STATUS, CHANGE_CASE_STATUS_COMMAND, change_to_avro
from streams.commands import COMMAND_HEADER
from streams.topics import WORKFLOW_COMMANDS
from web.auth import principal_of, requires
from web.case_changes import answer, change_json
from web.jsonio import json_response, read_object
from web.problems import ProblemError
from web.sync_access import audit_reads, customer_scope
from web.views import ApiView


def _not_found() -> ProblemError:
    return ProblemError(404, "CASE_CHANGE_NOT_FOUND", "No case change has this id.")


def case_states_blueprint(
    dictionaries: SnapshotCache[CaseDictionaries], waiter: DecisionWaiter
) -> Blueprint:
    bp = Blueprint("case-states")

    @bp.route("/api/cases", name="change")
    class ChangeCaseState(ApiView):
        @requires(
            "cases:write",
            "Move the customer's case to a processing state and substate, optionally setting"
            " the customer's status; the customer's worker decides it",
        )
        async def post(self, request: aioweb.Request) -> aioweb.Response:
            app = crm_app(self.app)
            caller = principal_of(request)
            pool = await app.db_pool()
            body = await read_object(request)
            agent_id = await agent_id_of(pool, caller.user_id)
            change = parse_case_change(
                body, now=datetime.now(UTC), user_id=caller.user_id, agent_id=agent_id
            )
            # Who may work the customer: the same rule as for actions (their agent, the
            # agent's team lead, supervisors and administrators).
            if not (await customer_scope(app, request)).allows(change.cif):
                raise ProblemError(
                    403,
                    "CUSTOMER_NOT_ASSIGNED",
                    "This customer is not assigned to you or your team.",
                    field="cif",
                )
            existing = await case_action_by_id(pool, change.case_action_id)
            if existing is not None:
                if not change.same_request(existing):
                    raise ProblemError(
                        409,
                        "CASE_ACTION_ID_REUSED",
                        "This caseActionId was used for another change.",
                        field="caseActionId",
                    )
                return answer(existing, await dictionaries.get())
            command = codec_for(app.settings).encode(CHANGE_CASE_STATUS, change_to_avro(change))
            headers: list[tuple[str, str | bytes | None]] = [
                (COMMAND_HEADER, CHANGE_CASE_STATUS_COMMAND.encode())
            ]
            await app.publisher.publish(
                app.settings.topic(WORKFLOW_COMMANDS.name),
                [(change.cif.encode(), command, headers)],
            )
            row = await waiter.wait(
                str(change.case_action_id),
                app.settings.action_decision_wait_seconds,
                lambda: case_action_by_id(pool, change.case_action_id),
            )
            if row is None:
                response = json_response(
                    {"caseActionId": str(change.case_action_id), "status": "PENDING"}, status=202
                )
                response.headers["Location"] = f"/api/cases/changes/{change.case_action_id}"
                return response
            if not change.same_request(row):
                # Another request under this id got there first (it was still pending).
                raise ProblemError(
                    409,
                    "CASE_ACTION_ID_REUSED",
                    "This caseActionId was used for another change.",
                    field="caseActionId",
                )
            return answer(row, await dictionaries.get())

    @bp.route("/api/cases/changes/{caseActionId}", name="one-change")
    class OneChange(ApiView):
        @requires("customers:read", "One requested case state change and its decision")
        async def get(self, request: aioweb.Request, caseActionId: str) -> aioweb.Response:
            app = crm_app(self.app)
            try:
                key = uuid.UUID(caseActionId)
            except ValueError as exc:
                raise _not_found() from exc
            row = await case_action_by_id(await app.db_pool(), key)
            # Outside the caller's scope: the same 404 as an unknown id.
            if row is None or not (await customer_scope(app, request)).allows(row["cif"]):
                raise _not_found()
            await audit_reads(app, request, [(row["cif"], "case change")])
            return json_response(change_json(row))

    return bp
