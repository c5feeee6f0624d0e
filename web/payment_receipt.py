"""A payment's receipt: JSON by default, a PDF when the client accepts application/pdf."""

from __future__ import annotations

import logging
import re

from aiohttp import web as aioweb
from faust.web import Blueprint

from domain.receipt import build_receipt, check_receipt_available, parse_lang
from streams.app import CrmApp, crm_app
from web.auth import requires
from web.jsonio import json_response
from web.payments import PAYMENT_COLUMNS, payment_not_found, require_visible
from web.problems import ProblemError
from web.receipt_pdf import fonts_available, render_pdf_async
from web.sync_access import audit_reads
from web.views import ApiView

log = logging.getLogger(__name__)

PDF = "application/pdf"
# Intake allows only these in a reference; anything else must not reach a header.
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def wants_pdf(accept: str) -> bool:
    """True when Accept names application/pdf without q=0; wildcards get the default, JSON."""
    for media_range in accept.split(","):
        kind, *params = (part.strip().lower() for part in media_range.split(";"))
        if kind != PDF:
            continue
        quality = next((p[2:] for p in params if p.startswith("q=")), "1")
        try:
            if float(quality) > 0:
                return True
        except ValueError:
            continue
    return False


async def _customer_name(app: CrmApp, cif: str | None) -> str | None:
    if not cif:
        return None
    pool = await app.db_pool()
    name: str | None = await pool.fetchval(
        "SELECT name FROM sync_entities.customer WHERE cif = $1 AND NOT is_deleted", cif
    )
    return name


def payment_receipt_blueprint(app: CrmApp) -> Blueprint:
    bp = Blueprint("payment-receipt")
    settings = app.settings

    @bp.route("/api/payments/receipt/{referenceNumber}", name="receipt")
    class PaymentReceipt(ApiView):
        @requires("payments:read", "A payment's receipt: JSON, or PDF with Accept: application/pdf")
        async def get(self, request: aioweb.Request, referenceNumber: str) -> aioweb.Response:
            lang = parse_lang(request.query.get("lang"))
            pdf = wants_pdf(request.headers.get("Accept", ""))
            crm = crm_app(self.app)
            pool = await crm.db_pool()
            row = await pool.fetchrow(
                f"SELECT {PAYMENT_COLUMNS}, original_reference_number"
                " FROM payments.payment WHERE reference_number = $1",
                referenceNumber,
            )
            if row is None:
                raise payment_not_found()
            await require_visible(crm, request, row["cif"])
            check_receipt_available(row)
            if pdf and not fonts_available():
                log.error("PDF receipts need the fonts-dejavu-core package")
                raise ProblemError(
                    503, "RECEIPT_PDF_UNAVAILABLE", "PDF receipts are not available; ask for JSON."
                )
            lines = await pool.fetch(
                "SELECT component, due_date, amount FROM payments.payment_allocation"
                " WHERE reference_number = $1 ORDER BY line_no",
                referenceNumber,
            )
            receipt = build_receipt(
                row,
                lines,
                customer_name=await _customer_name(crm, row["cif"]),
                bank_name=settings.bank_name,
                time_zone=settings.bank_timezone,
                lang=lang,
            )
            # The receipt shows the customer: it leaves only once the read is on record.
            if row["cif"]:
                await audit_reads(crm, request, [(row["cif"], "receipt")])
            if not pdf:
                response = json_response(receipt.to_json())
            else:
                name = _UNSAFE.sub("_", referenceNumber)
                response = aioweb.Response(
                    body=await render_pdf_async(receipt),
                    content_type=PDF,
                    headers={"Content-Disposition": f'inline; filename="receipt-{name}.pdf"'},
                )
            response.headers["Vary"] = "Accept"
            return response

    return bp
