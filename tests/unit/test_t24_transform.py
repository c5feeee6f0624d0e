"""T24 records through the demo field map into canonical entities."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.errors import ValidationError
from domain.sync_entities import (
    Address,
    Collateral,
    Customer,
    DueSegmentation,
    Email,
    Loan,
    Phone,
    transform,
)
from domain.t24 import parse_record
from domain.t24_mapping import (
    DEFAULT_PATH,
    FieldMapError,
    FieldMaps,
    load_field_maps,
    load_field_maps_file,
)

TS = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def maps() -> FieldMaps:
    return load_field_maps_file()


def xml(recid: str, cells: dict[str, str]) -> str:
    """Build an XMLRECORD from {"7": v, "7.2": v, "7.2.2": v} (position.m.s)."""
    parts = []
    for key, value in cells.items():
        pos, m, s = ([*key.split("."), "1", "1"])[:3]
        parts.append(f'<c{pos} m="{m}" s="{s}">{value}</c{pos}>')
    return f'<row id="{recid}">{"".join(parts)}</row>'


CUSTOMER = {
    "1": "NGUYỄN VĂN A",
    "2": "NGUYEN VAN A",
    "3": "19850412",
    "4": "MALE",
    "5": "001085012345",
    "6": "RETAIL",
    "8": "INDIVIDUAL",
    "12": "ACTIVE",
    "7": "0901234567",
    "13": "MOBILE1",
    "7.2": "02438251234",
    "13.2": "HOME1",
    "7.2.2": "ext 12",
    "14": "HOME",
    "15": "12 Phố Huế",
    "16": "Phường Ngô Thì Nhậm",
    "17": "Hai Bà Trưng",
    "18": "Hà Nội",
    "20": "VN",
    "14.3": "WORK",
    "15.3": "72 Lê Thánh Tôn",
    "17.3": "Quận 1",
    "18.3": "TP. Hồ Chí Minh",
    "21": "Nguyen.Van.A@Gmail.com",
}


def test_customer_record_yields_customer_and_contacts(maps: FieldMaps) -> None:
    entities = transform("FBNK_CUSTOMER", parse_record("100234", xml("100234", CUSTOMER)), maps, TS)
    customer, mobile, home, address_home, address_work, email = entities
    assert isinstance(customer, Customer)
    assert (customer.cif, customer.name, customer.date_of_birth) == (
        "100234",
        "NGUYỄN VĂN A",
        date(1985, 4, 12),
    )
    assert (customer.customer_type, customer.gender, customer.segment) == (
        "INDIVIDUAL",
        "MALE",
        "RETAIL",
    )
    assert (customer.source_system, customer.source_record_id, customer.source_ts) == (
        "T24",
        "100234",
        TS,
    )
    assert mobile == Phone(
        source_system="T24",
        source_record_id="100234",
        source_ts=TS,
        cif="100234",
        type="MOBILE1",
        number="0901234567",
        is_primary=True,
    )
    assert isinstance(home, Phone) and (home.type, home.number, home.is_primary) == (
        "HOME1",
        "02438251234",
        False,
    )
    assert (
        isinstance(address_home, Address)
        and address_home.city == "Hà Nội"
        and address_home.is_primary
    )
    assert isinstance(address_work, Address)
    assert (address_work.type, address_work.line1, address_work.district) == (
        "WORK",
        "72 Lê Thánh Tôn",
        "Quận 1",
    )
    assert address_work.city == "TP. Hồ Chí Minh" and not address_work.is_primary
    assert isinstance(email, Email) and email.natural_key() == ("100234", "nguyen.van.a@gmail.com")


def test_organization_without_contacts(maps: FieldMaps) -> None:
    cells = {
        "1": "CÔNG TY TNHH THƯƠNG MẠI ĐẠI PHÁT",
        "8": "ORGANIZATION",
        "9": "Đại Phát",
        "10": "0312345678",
        "12": "ACTIVE",
    }
    [customer] = transform("FBNK_CUSTOMER", parse_record("200871", xml("200871", cells)), maps, TS)
    assert isinstance(customer, Customer)
    assert (customer.customer_type, customer.registration_number, customer.date_of_birth) == (
        "ORGANIZATION",
        "0312345678",
        None,
    )


LOAN = {
    "1": "100234",
    "2": "PERSONAL.LOAN",
    "3": "VND",
    "4": "300000000",
    "5": "20240115",
    "6": "20290115",
    "7": "10.5",
    "8": "60",
    "9": "MONTHLY",
    "10": "180000000",
    "11": "8500000",
    "12": "20261205",
    "13": "12",
    "14": "OPEN",
}


def test_arrangement_record_yields_loan(maps: FieldMaps) -> None:
    [loan] = transform(
        "FBNK_AA_ARRANGEMENT", parse_record("AA24001ABC12", xml("AA24001ABC12", LOAN)), maps, TS
    )
    assert isinstance(loan, Loan)
    assert loan.natural_key() == ("AA24001ABC12",)
    assert (loan.cif, loan.currency, loan.dpd, loan.term) == ("100234", "VND", 12, 60)
    assert (loan.outstanding, loan.due_amount, loan.remaining_amount) == (
        Decimal("180000000"),
        Decimal("8500000"),
        Decimal("171500000"),
    )
    assert (loan.interest_rate, loan.next_payment_date, loan.close_date) == (
        Decimal("10.5"),
        date(2026, 12, 5),
        None,
    )


def test_collateral_record_yields_collateral(maps: FieldMaps) -> None:
    cells = {
        "1": "100234",
        "2": "VEHICLE",
        "3": "Xe máy Honda Vision",
        "4": "35000000",
        "5": "20240110",
        "6": "Honda",
        "7": "Vision",
        "8": "2023",
        "10": "29-B1 123.45",
    }
    [collateral] = transform(
        "FBNK_COLLATERAL", parse_record("COL.2401", xml("COL.2401", cells)), maps, TS
    )
    assert isinstance(collateral, Collateral)
    assert (collateral.collateral_number, collateral.value, collateral.year) == (
        "COL.2401",
        Decimal("35000000"),
        2023,
    )
    assert (collateral.license_plate, collateral.title_number) == ("29-B1 123.45", None)


def test_bill_record_yields_due_segment(maps: FieldMaps) -> None:
    recid = "AA24001ABC12-20261205"  # bill ids are not the loan key: the key is in the fields
    cells = {"1": "AA24001ABC12", "2": "20261205", "3": "7000000", "4": "1500000", "6": "50000"}
    [due] = transform("FBNK_AA_BILL_DETAILS", parse_record(recid, xml(recid, cells)), maps, TS)
    assert isinstance(due, DueSegmentation)
    assert due.natural_key() == ("AA24001ABC12", "2026-12-05")
    assert (due.principal, due.fees, due.penalty) == (
        Decimal("7000000"),
        Decimal(0),
        Decimal("50000"),
    )


def test_closed_loan_keeps_its_close_date(maps: FieldMaps) -> None:
    cells = LOAN | {"10": "0", "11": "0", "13": "0", "14": "CLOSED", "15": "20261120"}
    record = parse_record("AA23009XYZ01", xml("AA23009XYZ01", cells))
    [loan] = transform("FBNK_AA_ARRANGEMENT", record, maps, TS)
    assert isinstance(loan, Loan)
    assert (loan.status, loan.close_date, loan.remaining_amount) == (
        "CLOSED",
        date(2026, 11, 20),
        0,
    )


@pytest.mark.parametrize(
    ("table", "cells", "change", "field", "code"),
    [
        ("FBNK_AA_ARRANGEMENT", LOAN, {"1": ""}, "cif", "MISSING_FIELD"),
        ("FBNK_AA_ARRANGEMENT", LOAN, {"5": "20241315"}, "disbursement_date", "BAD_DATE"),
        ("FBNK_AA_ARRANGEMENT", LOAN, {"10": "-180000000"}, "outstanding", "NEGATIVE_AMOUNT"),
        ("FBNK_AA_ARRANGEMENT", LOAN, {"10": "một trăm"}, "outstanding", "BAD_AMOUNT"),
        ("FBNK_AA_ARRANGEMENT", LOAN, {"14": "WRITTEN.OFF"}, "status", "UNKNOWN_ENUM"),
        ("FBNK_AA_ARRANGEMENT", LOAN, {"13": "mười"}, "dpd", "BAD_INT"),
        ("FBNK_AA_ARRANGEMENT", LOAN, {"13": "--5"}, "dpd", "BAD_INT"),
        ("FBNK_AA_ARRANGEMENT", LOAN, {"13": "²"}, "dpd", "BAD_INT"),
        ("FBNK_AA_ARRANGEMENT", LOAN, {"13": "-5"}, "dpd", "NEGATIVE_AMOUNT"),
        ("FBNK_AA_ARRANGEMENT", LOAN, {"2": ""}, "product_type", "MISSING_FIELD"),
        ("FBNK_CUSTOMER", CUSTOMER, {"8": "PERSON"}, "customer_type", "UNKNOWN_ENUM"),
        ("FBNK_CUSTOMER", CUSTOMER, {"3": "12/04/1985"}, "date_of_birth", "BAD_DATE"),
        ("FBNK_CUSTOMER", CUSTOMER, {"13.2": "MOBILE1"}, "phone_type", "DUPLICATE_KEY"),
        ("FBNK_CUSTOMER", CUSTOMER, {"13.2": "PAGER"}, "phone_type", "UNKNOWN_ENUM"),
        ("FBNK_CUSTOMER", CUSTOMER, {"13.2": ""}, "phone_type", "MISSING_KEY"),
        ("FBNK_CUSTOMER", CUSTOMER, {"21.2": "nguyen.van.a@gmail.com"}, "email", "DUPLICATE_KEY"),
        ("FBNK_CUSTOMER", CUSTOMER, {"1": ""}, "name", "MISSING_FIELD"),
    ],
)
def test_invalid_records_name_the_field(
    maps: FieldMaps,
    table: str,
    cells: dict[str, str],
    change: dict[str, str],
    field: str,
    code: str,
) -> None:
    record = parse_record("R1", xml("R1", cells | change))
    with pytest.raises(ValidationError) as info:
        transform(table, record, maps, TS)
    assert (info.value.field, info.value.code) == (field, code)


def test_empty_recid_is_a_missing_key(maps: FieldMaps) -> None:
    with pytest.raises(ValidationError) as info:
        transform("FBNK_AA_ARRANGEMENT", parse_record("", xml("", LOAN)), maps, TS)
    assert (info.value.field, info.value.code) == ("account_number", "MISSING_KEY")


def test_map_typing_a_field_against_the_entity_is_a_config_error() -> None:
    demo = (DEFAULT_PATH).read_text(encoding="utf-8")
    maps = load_field_maps(demo.replace("dpd: {pos: 13, type: int", "dpd: {pos: 13, type: text"))
    record = parse_record("AA24001ABC12", xml("AA24001ABC12", LOAN))
    with pytest.raises(FieldMapError, match=r"FBNK_AA_ARRANGEMENT\.dpd"):
        transform("FBNK_AA_ARRANGEMENT", record, maps, TS)


def test_unmapped_table_is_refused(maps: FieldMaps) -> None:
    with pytest.raises(ValidationError) as info:
        transform("FBNK_TELLER", parse_record("TT1", "<row/>"), maps, TS)
    assert info.value.code == "UNKNOWN_TABLE"
