"""Loans' web views: one loan with due segments and collaterals; the delinquent-loans list."""

from __future__ import annotations

import asyncpg
from aiohttp import web as aioweb
from faust.web import Blueprint

from persistence import sync_read
from persistence.sync_read_lists import DELINQUENT_SORTS, delinquent_loans
from streams.app import crm_app
from web.auth import requires
from web.jsonio import json_response
from web.problems import ProblemError
from web.sync_access import audit_reads, customer_scope, scope_cifs
from web.sync_json import loan_detail_json, loan_json
from web.sync_params import clean_key, delinquent_query, page_json
from web.views import ApiView


def _loan_not_found() -> ProblemError:
    # Also the answer for a loan of a customer outside the caller's scope.
    return ProblemError(
        404, "LOAN_NOT_FOUND", "No loan has this account number.", field="accountNumber"
    )


def loans_blueprint() -> Blueprint:
    bp = Blueprint("loans")

    # Registered before /api/loans/{accountNumber}; aiohttp also prefers the plain path.
    @bp.route("/api/loans/delinquent", name="delinquent")
    class DelinquentLoans(ApiView):
        @requires(
            "loans:read",
            "Open loans past due (dpd_min, dpd_max, status = delinquency status, product,"
            f" sort={'|'.join(DELINQUENT_SORTS)} with - for descending, cursor, limit)",
        )
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            app = crm_app(self.app)
            query = delinquent_query(request, scope_cifs(await customer_scope(app, request)))
            rows: list[asyncpg.Record] = []
            if query.cifs is None or query.cifs:
                async with sync_read.connection(await app.db_pool()) as conn:
                    rows = await delinquent_loans(conn, query)
            sort = DELINQUENT_SORTS[query.page.sort].column
            body = page_json(rows, query.page, loan_json, sort, "account_number")
            shown = rows[: query.page.limit]
            await audit_reads(app, request, [(r["cif"], "delinquent_loans") for r in shown])
            return json_response(body)

    @bp.route("/api/loans/{accountNumber}", name="by-account")
    class LoanByAccount(ApiView):
        @requires("loans:read", "One loan with its due segments and collaterals")
        async def get(self, request: aioweb.Request, accountNumber: str) -> aioweb.Response:
            app = crm_app(self.app)
            key = clean_key(accountNumber)
            if key is None:
                raise _loan_not_found()
            scope = await customer_scope(app, request)
            async with sync_read.connection(await app.db_pool()) as conn:
                read = await sync_read.loan(conn, key)
            if read is None or not scope.allows(read.loan["cif"]):
                raise _loan_not_found()
            await audit_reads(app, request, [(read.loan["cif"], "loan")])
            return json_response(loan_detail_json(read))

    return bp
