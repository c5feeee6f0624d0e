"""A customer's collection case: open while a loan is past due, with those loans."""

from __future__ import annotations

from aiohttp import web as aioweb
from faust.web import Blueprint

from streams.app import crm_app
from web.auth import requires
from web.jsonio import json_response
from web.problems import ProblemError
from web.sync_access import audit_reads, customer_scope
from web.views import ApiView


def cases_blueprint() -> Blueprint:
    bp = Blueprint("cases")

    @bp.route("/api/cases/customer/{cif}", name="case")
    class CustomerCaseView(ApiView):
        @requires("customers:read", "The customer's collection case and its past-due loans")
        async def get(self, request: aioweb.Request, cif: str) -> aioweb.Response:
            app = crm_app(self.app)
            row = None
            if (await customer_scope(app, request)).allows(cif):
                row = await (await app.db_pool()).fetchrow(
                    "SELECT cif, status, max_dpd, bucket, priority, outstanding, due_amount,"
                    " loans, opened_at, closed_at FROM workflow.customer_case WHERE cif = $1",
                    cif,
                )
            if row is None:
                raise ProblemError(404, "CASE_NOT_FOUND", "This customer has no case.", field="cif")
            await audit_reads(app, request, [(cif, "case")])
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
                }
            )

    return bp
