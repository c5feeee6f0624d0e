"""A customer's collection case: open while a loan is past due, with those loans, where its
processing stands, and the history of its state changes."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web as aioweb
from faust.web import Blueprint

from persistence.case_history import case_history
from streams.app import CrmApp, crm_app
from web.auth import requires
from web.case_changes import change_json
from web.jsonio import json_response
from web.pagination import Page, page_body, page_of
from web.problems import ProblemError
from web.sync_access import audit_reads, customer_scope
from web.views import ApiView

# The case view carries this many of the newest changes; .../history pages through the rest.
HISTORY_ON_CASE = 20


def _not_found() -> ProblemError:
    return ProblemError(404, "CASE_NOT_FOUND", "This customer has no case.", field="cif")


def _after(page: Page) -> tuple[int, uuid.UUID] | None:
    if page.after is None:
        return None
    try:
        sequence, key = page.after
        if isinstance(sequence, bool) or not isinstance(sequence, int):
            raise TypeError
        return sequence, uuid.UUID(key)
    except (TypeError, ValueError, AttributeError) as exc:
        raise ProblemError(400, "INVALID_CURSOR", "cursor is not valid", field="cursor") from exc


async def _history(app: CrmApp, cif: str, page: Page) -> dict[str, Any]:
    rows = await case_history(await app.db_pool(), cif, _after(page), page.limit)
    last = [rows[-1]["sequence"], str(rows[-1]["id"])] if rows else None
    return page_body([change_json(r) for r in rows], page, last)


def cases_blueprint() -> Blueprint:
    bp = Blueprint("cases")

    @bp.route("/api/cases/customer/{cif}", name="case")
    class CustomerCaseView(ApiView):
        @requires(
            "customers:read",
            "The customer's collection case: past-due loans, processing state, substate,"
            " customer status, and its newest state changes",
        )
        async def get(self, request: aioweb.Request, cif: str) -> aioweb.Response:
            app = crm_app(self.app)
            row = None
            if (await customer_scope(app, request)).allows(cif):
                row = await (await app.db_pool()).fetchrow(
                    "SELECT cif, status, max_dpd, bucket, priority, outstanding, due_amount,"
                    " loans, opened_at, closed_at, processing_state, substate, customer_status"
                    " FROM workflow.customer_case WHERE cif = $1",
                    cif,
                )
            if row is None:
                raise _not_found()
            await audit_reads(app, request, [(cif, "case")])
            history = await _history(app, cif, Page(limit=HISTORY_ON_CASE, after=None))
            return json_response(
                {
                    "cif": row["cif"],
                    "status": row["status"],
                    "maxDpd": row["max_dpd"],
                    "bucket": row["bucket"],
                    "priority": row["priority"],
                    "outstanding": row["outstanding"],
                    "dueAmount": row["due_amount"],
                    "loans": row["loans"],
                    "openedAt": row["opened_at"],
                    "closedAt": row["closed_at"],
                    "processingState": row["processing_state"],
                    "substate": row["substate"],
                    "customerStatus": row["customer_status"],
                    "history": history,
                }
            )

    @bp.route("/api/cases/customer/{cif}/history", name="history")
    class CaseHistoryView(ApiView):
        @requires("customers:read", "The case's state changes, newest first (limit, cursor)")
        async def get(self, request: aioweb.Request, cif: str) -> aioweb.Response:
            app = crm_app(self.app)
            page = page_of(request)
            if not (await customer_scope(app, request)).allows(cif):
                raise _not_found()
            body = await _history(app, cif, page)
            await audit_reads(app, request, [(cif, "case history")])
            return json_response(body)

    return bp
