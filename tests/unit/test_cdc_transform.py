"""Debezium change events of T24, W4 and LOS rows into canonical entity changes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from domain.cdc_transform import CdcTransform
from domain.debezium import Change, EnvelopeError, parse_change
from domain.errors import ValidationError
from domain.sync_entities import Email, Loan, LoanCollateral, Phone, ReferenceCustomer
from domain.t24_mapping import load_field_maps_file

TS_MS = 1_764_380_000_000
TS = datetime.fromtimestamp(TS_MS / 1000, UTC)


def envelope(op: str, before: Any, after: Any, table: str, **source: Any) -> bytes:
    block = {"ts_ms": TS_MS, "table": table, "snapshot": "false", **source}
    return json.dumps({"op": op, "before": before, "after": after, "source": block}).encode()


@pytest.fixture(scope="module")
def cdc() -> CdcTransform:
    return CdcTransform(load_field_maps_file())


def customer_xml(*phones: tuple[str, str]) -> str:
    numbers = "".join(f'<c7 m="{i}">{n}</c7>' for i, (n, _) in enumerate(phones, 1))
    kinds = "".join(f'<c13 m="{i}">{k}</c13>' for i, (_, k) in enumerate(phones, 1))
    return (
        f'<row id="CIF1"><c1>Nguyễn Văn An</c1>{numbers}<c8>INDIVIDUAL</c8>'
        f"<c12>ACTIVE</c12>{kinds}</row>"
    )


def test_envelope_fields_and_schema_wrapped_form() -> None:
    raw = envelope("u", {"a": 1}, {"a": 2}, "T", snapshot="incremental")
    change = parse_change(raw)
    assert (change.op, change.before, change.after, change.table) == ("u", {"a": 1}, {"a": 2}, "T")
    assert change.source_ts == TS and change.incremental
    wrapped = json.dumps({"schema": {}, "payload": json.loads(raw)}).encode()
    assert parse_change(wrapped) == change


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[1, 2]",
        json.dumps({"op": "x", "source": {"ts_ms": 1}, "after": {}}).encode(),
        json.dumps({"op": "c", "source": {"ts_ms": 1}, "after": None}).encode(),
        # A delete without its before-image: the table lacks REPLICA IDENTITY FULL.
        json.dumps({"op": "d", "source": {"ts_ms": 1}, "before": None}).encode(),
        json.dumps({"op": "c", "source": {}, "after": {}}).encode(),
    ],
)
def test_what_is_not_a_change_event_is_refused(raw: bytes) -> None:
    with pytest.raises(EnvelopeError):
        parse_change(raw)


def test_t24_update_that_drops_a_phone_deletes_it(cdc: CdcTransform) -> None:
    before = {"RECID": "CIF1", "XMLRECORD": customer_xml(("0901", "MOBILE1"), ("0902", "HOME1"))}
    before["XMLRECORD"] = before["XMLRECORD"].replace("0901", "0901234567")
    before["XMLRECORD"] = before["XMLRECORD"].replace("0902", "0241234567")
    after = {"RECID": "CIF1", "XMLRECORD": customer_xml(("0901234567", "MOBILE1"))}
    change = parse_change(envelope("u", before, after, "FBNK_CUSTOMER"))
    entities = cdc.entities("t24", "FBNK_CUSTOMER", change)
    phones = {(e.type, e.is_deleted) for e in entities if isinstance(e, Phone)}
    assert phones == {("MOBILE1", False), ("HOME1", True)}


def test_delete_marks_every_entity_of_the_before_image_deleted(cdc: CdcTransform) -> None:
    before = {"RECID": "CIF1", "XMLRECORD": customer_xml(("0901234567", "MOBILE1"))}
    change = parse_change(envelope("d", before, None, "FBNK_CUSTOMER"))
    entities = cdc.entities("t24", "FBNK_CUSTOMER", change)
    assert len(entities) == 2 and all(e.is_deleted for e in entities)


def test_unreadable_before_image_does_not_block_the_fixed_record(cdc: CdcTransform) -> None:
    before = {"RECID": "CIF1", "XMLRECORD": "<row id='CIF1'><c1>broken"}
    after = {"RECID": "CIF1", "XMLRECORD": customer_xml(("0901234567", "MOBILE1"))}
    entities = cdc.entities("t24", "FBNK_CUSTOMER", parse_change(envelope("u", before, after, "X")))
    assert not any(e.is_deleted for e in entities)


CONTRACT = {
    "CONTRACT_NUMBER": "W4C0001",
    "CLIENT_CIF": "CIF1",
    "PRODUCT_CODE": "VISA_GOLD",
    "CURRENCY": "VND",
    "CREDIT_LIMIT": "50000000.00",
    "OUTSTANDING": "12500000.00",
    "TOTAL_DUE": "2500000.00",
    "MIN_PAY": "625000.00",
    "DUE_DATE": 20_423,
    "DPD": 15,
    "CONTRACT_STATUS": "BLOCKED",
    "OPEN_DATE": 19_000,
    "CLOSE_DATE": None,
    "AMND_DATE": TS_MS,
}


def test_w4_card_contract_is_an_open_loan(cdc: CdcTransform) -> None:
    (loan,) = cdc.entities("w4", "CARD_CONTRACT", parse_change(envelope("c", None, CONTRACT, "C")))
    assert isinstance(loan, Loan)
    assert (loan.account_number, loan.cif, loan.status, loan.dpd) == ("W4C0001", "CIF1", "OPEN", 15)
    assert loan.limit == loan.original_amount == Decimal("50000000.00")
    assert loan.remaining_amount == Decimal("10000000.00")
    assert loan.next_payment_date == date(2025, 12, 1)
    assert loan.product_type == "CREDIT_CARD:VISA_GOLD" and loan.source_system == "W4"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"CONTRACT_STATUS": "FROZEN"}, "UNKNOWN_ENUM"),
        ({"OUTSTANDING": "-1.00"}, "NEGATIVE_AMOUNT"),
        ({"OUTSTANDING": "abc"}, "BAD_AMOUNT"),
        ({"CLIENT_CIF": None}, "MISSING_FIELD"),
        ({"DUE_DATE": "2025-12-01"}, "BAD_DATE"),
        ({"CURRENCY": "XYZ"}, "UNKNOWN_ENUM"),
    ],
)
def test_invalid_w4_contracts_are_refused_with_a_code(
    cdc: CdcTransform, change: dict[str, Any], code: str
) -> None:
    raw = envelope("c", None, {**CONTRACT, **change}, "C")
    with pytest.raises(ValidationError) as caught:
        cdc.entities("w4", "CARD_CONTRACT", parse_change(raw))
    assert caught.value.code == code


def test_w4_contact_type_change_deletes_the_old_phone(cdc: CdcTransform) -> None:
    old = {
        "CONTACT_ID": 7,
        "CLIENT_CIF": "CIF1",
        "CONTACT_TYPE": "MOBILE2",
        "CONTACT_VALUE": "0987654321",
        "IS_VERIFIED": "Y",
    }
    new = {**old, "CONTACT_TYPE": "WORK"}
    entities = cdc.entities("w4", "CLIENT_CONTACT", parse_change(envelope("u", old, new, "C")))
    assert {(e.type, e.is_deleted, e.is_verified) for e in entities if isinstance(e, Phone)} == {
        ("WORK", False, True),
        ("MOBILE2", True, True),
    }
    mail = {**old, "CONTACT_TYPE": "EMAIL", "CONTACT_VALUE": "An@Example.VN"}
    (email,) = cdc.entities("w4", "CLIENT_CONTACT", parse_change(envelope("c", None, mail, "C")))
    assert isinstance(email, Email) and email.address == "an@example.vn"


def test_los_reference_and_collateral_link(cdc: CdcTransform) -> None:
    row = {
        "id": 3,
        "primary_cif": "CIF1",
        "ref_cif": "REF9",
        "relationship_type": "GUARANTOR",
        "name": "Lê Văn Bảo",
        "phone": "0912345678",
        "email": None,
        "national_id": None,
        "address": None,
    }
    (ref,) = cdc.entities("los", "reference_customer", parse_change(envelope("r", None, row, "r")))
    assert isinstance(ref, ReferenceCustomer) and ref.natural_key() == ("REF9", "CIF1")
    with pytest.raises(ValidationError, match="relationship_type"):
        bad = {**row, "relationship_type": "NEIGHBOUR"}
        cdc.entities("los", "reference_customer", parse_change(envelope("c", None, bad, "r")))
    link = {"account_number": "AA1", "collateral_number": "COL1", "cif": "CIF1"}
    (got,) = cdc.entities("los", "loan_collateral", parse_change(envelope("d", link, None, "l")))
    assert isinstance(got, LoanCollateral) and got.is_deleted


def test_unknown_table_is_a_validation_error(cdc: CdcTransform) -> None:
    with pytest.raises(ValidationError, match="no mapping"):
        cdc.entities("w4", "NOPE", Change("c", None, {}, TS, "NOPE", "false"))
    assert cdc.entity_type("t24", "FBNK_AA_BILL_DETAILS") == "due_segmentation"
    assert cdc.entity_type("w4", "CLIENT_CONTACT") == "contact"
