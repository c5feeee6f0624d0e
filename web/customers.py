"""Customers' web views: a customer with contacts, loans, collaterals, references; search."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg
from aiohttp import web as aioweb
from faust.web import Blueprint

from persistence import sync_read
from persistence.sync_read_lists import CUSTOMER_SORTS, search_customers
from streams.app import CrmApp, crm_app
from web.auth import requires
from web.jsonio import json_response
from web.sync_access import audit_reads, customer_not_found, customer_scope, scope_cifs
from web.sync_json import (
    collateral_json,
    customer_json,
    customer_summary_json,
    items_json,
    loan_json,
    reference_json,
)
from web.sync_params import clean_key, customer_search, page_json
from web.views import ApiView

ChildRead = Callable[[asyncpg.Connection, str], Awaitable[list[asyncpg.Record]]]


async def _visible_cif(app: CrmApp, request: aioweb.Request, raw: str) -> str:
    """The CIF if the caller may see it; else 404, the same as for an unknown one."""
    cif = clean_key(raw)
    if cif is None or not (await customer_scope(app, request)).allows(cif):
        raise customer_not_found()
    return cif


async def _children(
    app: CrmApp, request: aioweb.Request, raw_cif: str, read: ChildRead
) -> tuple[str, list[asyncpg.Record]]:
    """What hangs off a visible, existing customer (404 for a deleted or unknown one)."""
    cif = await _visible_cif(app, request, raw_cif)
    async with sync_read.connection(await app.db_pool()) as conn:
        if not await sync_read.customer_exists(conn, cif):
            raise customer_not_found()
        return cif, await read(conn, cif)


def customers_blueprint() -> Blueprint:
    bp = Blueprint("customers")

    @bp.route("/api/customers", name="search")
    class CustomerSearchView(ApiView):
        @requires(
            "customers:read",
            "Search customers by name (accents ignored), CIF, national id, phone or account"
            f" number (q, status, type, segment, sort={'|'.join(CUSTOMER_SORTS)}, cursor, limit)",
        )
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            app = crm_app(self.app)
            search = customer_search(request, scope_cifs(await customer_scope(app, request)))
            rows: list[asyncpg.Record] = []
            if search.cifs is None or search.cifs:
                async with sync_read.connection(await app.db_pool()) as conn:
                    rows = await search_customers(conn, search)
            sort = CUSTOMER_SORTS[search.page.sort].column
            body = page_json(rows, search.page, customer_summary_json, sort, "cif")
            shown = rows[: search.page.limit]
            await audit_reads(app, request, [(r["cif"], "customer_search") for r in shown])
            return json_response(body)

    @bp.route("/api/customers/{cif}", name="by-cif")
    class CustomerByCif(ApiView):
        @requires("customers:read", "One customer with phones, addresses and emails")
        async def get(self, request: aioweb.Request, cif: str) -> aioweb.Response:
            app = crm_app(self.app)
            key = await _visible_cif(app, request, cif)
            async with sync_read.connection(await app.db_pool()) as conn:
                read = await sync_read.customer(conn, key)
            if read is None:
                raise customer_not_found()
            await audit_reads(app, request, [(key, "customer")])
            return json_response(customer_json(read))

    @bp.route("/api/customers/{cif}/loans", name="loans")
    class CustomerLoans(ApiView):
        @requires("loans:read", "A customer's loans, open and most overdue first")
        async def get(self, request: aioweb.Request, cif: str) -> aioweb.Response:
            app = crm_app(self.app)
            key, rows = await _children(app, request, cif, sync_read.loans_of)
            await audit_reads(app, request, [(key, "loans")])
            return json_response(items_json(rows, loan_json))

    @bp.route("/api/customers/{cif}/collaterals", name="collaterals")
    class CustomerCollaterals(ApiView):
        @requires("loans:read", "A customer's collaterals with the loans each secures")
        async def get(self, request: aioweb.Request, cif: str) -> aioweb.Response:
            app = crm_app(self.app)
            key, rows = await _children(app, request, cif, sync_read.collaterals_of)
            await audit_reads(app, request, [(key, "collaterals")])
            return json_response(items_json(rows, collateral_json))

    @bp.route("/api/customers/{cif}/references", name="references")
    class CustomerReferences(ApiView):
        @requires("customers:read", "A customer's reference people (guarantors, spouses, …)")
        async def get(self, request: aioweb.Request, cif: str) -> aioweb.Response:
            app = crm_app(self.app)
            key, rows = await _children(app, request, cif, sync_read.references_of)
            # A reference is a person too: the read of their details is on record under their CIF.
            people = [(r["ref_cif"], f"reference_of:{key}") for r in rows]
            await audit_reads(app, request, [(key, "references"), *people])
            return json_response(items_json(rows, reference_json))

    return bp
