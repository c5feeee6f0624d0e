"""W4 (Way4) card tables into canonical entities: card contracts are loans, plus contacts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain import debezium as col
from domain.errors import ValidationError
from domain.sync_entities import Email, Loan, Phone, SyncEntity

SOURCE_W4 = "W4"
# Way4 contract states: a blocked card still owes, so it is an open loan for collection.
_CONTRACT_STATUS = {"ACTIVE": "OPEN", "BLOCKED": "OPEN", "CLOSED": "CLOSED"}
_PRODUCT = "CREDIT_CARD"


def card_contract(row: dict[str, Any], source_ts: datetime) -> list[SyncEntity]:
    number = col.required_text(row, "CONTRACT_NUMBER", "account_number")
    raw_status = col.required_text(row, "CONTRACT_STATUS", "status")
    if raw_status not in _CONTRACT_STATUS:
        allowed = ", ".join(_CONTRACT_STATUS)
        msg = f"status: {raw_status!r} is not one of {allowed}"
        raise ValidationError(msg, field="status", code="UNKNOWN_ENUM")
    limit = col.required_amount(row, "CREDIT_LIMIT", "limit")
    dpd = col.integer(row, "DPD", "dpd")
    if dpd is None:
        raise ValidationError("dpd is required", field="dpd", code="MISSING_FIELD")
    loan = Loan(
        source_system=SOURCE_W4,
        source_record_id=number,
        source_ts=source_ts,
        account_number=number,
        cif=col.required_text(row, "CLIENT_CIF", "cif"),
        product_type=f"{_PRODUCT}:{col.required_text(row, 'PRODUCT_CODE', 'product_type')}",
        currency=col.required_text(row, "CURRENCY", "currency"),
        # A card has no disbursed amount; its limit is what was granted.
        original_amount=limit,
        limit=limit,
        outstanding=col.required_amount(row, "OUTSTANDING", "outstanding"),
        due_amount=col.required_amount(row, "TOTAL_DUE", "due_amount"),
        min_pay=col.amount(row, "MIN_PAY", "min_pay"),
        next_payment_date=col.day(row, "DUE_DATE", "next_payment_date"),
        dpd=dpd,
        status=_CONTRACT_STATUS[raw_status],
        delinquency_status=raw_status if raw_status == "BLOCKED" else None,
        disbursement_date=col.day(row, "OPEN_DATE", "disbursement_date"),
        close_date=col.day(row, "CLOSE_DATE", "close_date"),
    )
    return [loan]


def client_contact(row: dict[str, Any], source_ts: datetime) -> list[SyncEntity]:
    contact_id = row.get("CONTACT_ID")
    if contact_id is None:
        raise ValidationError("contact id is required", field="contact_id", code="MISSING_KEY")
    meta: dict[str, Any] = dict(
        source_system=SOURCE_W4, source_record_id=str(contact_id), source_ts=source_ts
    )
    cif = col.required_text(row, "CLIENT_CIF", "cif")
    kind = col.required_text(row, "CONTACT_TYPE", "contact_type")
    value = col.required_text(row, "CONTACT_VALUE", "contact_value")
    verified = col.text(row, "IS_VERIFIED", "is_verified") == "Y"
    if kind == "EMAIL":
        return [Email(**meta, cif=cif, address=value.lower(), is_verified=verified)]
    return [Phone(**meta, cif=cif, type=kind, number=value, is_verified=verified)]
