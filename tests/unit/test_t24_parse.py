"""T24 XMLRECORD parsing: positions, multi-values, sub-values and refused records."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.errors import ValidationError
from domain.t24 import MAX_RECORD_BYTES, T24FormatError, parse_record, t24_amount, t24_date

CUSTOMER = (
    '<row id="100234"><c1>NGUYỄN VĂN A</c1><c3>19850412</c3>'
    '<c7>0901234567</c7><c7 m="2">0287654321</c7><c7 m="2" s="2">x</c7>'
    '<c7 m="4">0912345678</c7><c15>12 Phố Huế, Hai Bà Trưng</c15></row>'
)


def test_single_values_are_read_by_position() -> None:
    record = parse_record("100234", CUSTOMER)
    assert record.recid == "100234"
    assert record.value(1) == "NGUYỄN VĂN A"
    assert record.value(3) == "19850412"
    assert record.value(15) == "12 Phố Huế, Hai Bà Trưng"
    assert record.value(2) is None


def test_multi_and_sub_values_default_to_one() -> None:
    record = parse_record("100234", CUSTOMER)
    assert record.value(7) == "0901234567"
    assert record.value(7, m=1, s=1) == "0901234567"
    assert record.value(7, m=2) == "0287654321"
    assert record.value(7, m=2, s=2) == "x"
    assert record.value(7, m=3) is None


def test_values_lists_multi_values_in_order_with_gaps() -> None:
    record = parse_record("100234", CUSTOMER)
    assert record.values(7) == ["0901234567", "0287654321", "", "0912345678"]
    assert record.values(1) == ["NGUYỄN VĂN A"]
    assert record.values(99) == []


def test_values_in_any_document_order_are_sorted_by_m() -> None:
    xml = '<row id="7"><c7 m="2">b</c7><c7 m="1">a</c7></row>'
    assert parse_record("7", xml).values(7) == ["a", "b"]


def test_empty_cell_and_missing_row_id_are_accepted() -> None:
    record = parse_record("AA24001ABC12", "<row><c1/><c2>TP. Hồ Chí Minh</c2></row>")
    assert record.value(1) == ""
    assert record.value(2) == "TP. Hồ Chí Minh"


BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    '<row id="1"><c1>&lol2;</c1></row>'
)
EXTERNAL = (
    '<!DOCTYPE row [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><row id="1"><c1>&xxe;</c1></row>'
)


@pytest.mark.parametrize(
    ("recid", "xml"),
    [
        ("1", '<row id="1"><c1>NGUYỄN VĂN A</c1>'),
        ("1", "not xml at all"),
        ("1", ""),
        ("1", '<record id="1"><c1>A</c1></record>'),
        ("100234", '<row id="100235"><c1>A</c1></row>'),
        ("1", '<row id="1"><name>A</name></row>'),
        ("1", '<row id="1"><c0>A</c0></row>'),
        ("1", '<row id="1"><cX>A</cX></row>'),
        ("1", '<row id="1"><c1 m="two">A</c1></row>'),
        ("1", '<row id="1"><c1 m="0">A</c1></row>'),
        ("1", '<row id="1"><c1 s="-1">A</c1></row>'),
        ("1", '<row id="1"><c1>A</c1><c1 m="1">B</c1></row>'),
        ("1", BOMB),
        ("1", EXTERNAL),
        ("1", '<!doctype row><row id="1"/>'),
    ],
    ids=[
        "unclosed",
        "text",
        "empty",
        "wrong-root",
        "id-mismatch",
        "named-field",
        "position-zero",
        "non-numeric-position",
        "non-numeric-m",
        "zero-m",
        "negative-s",
        "repeated-cell",
        "billion-laughs",
        "external-entity",
        "lowercase-doctype",
    ],
)
def test_unreadable_records_are_refused(recid: str, xml: str) -> None:
    with pytest.raises(T24FormatError) as info:
        parse_record(recid, xml)
    assert info.value.code == "UNPARSABLE_RECORD"
    assert isinstance(info.value, ValidationError)


def test_oversize_record_is_refused_before_parsing() -> None:
    filler = "Đ" * (MAX_RECORD_BYTES // 2)  # two UTF-8 bytes each: over 1 MB in bytes
    with pytest.raises(T24FormatError, match="1 MB"):
        parse_record("1", f'<row id="1"><c1>{filler}</c1></row>')


def test_record_just_under_the_limit_parses() -> None:
    filler = "A" * (MAX_RECORD_BYTES - 100)
    assert parse_record("1", f'<row id="1"><c1>{filler}</c1></row>').value(1) == filler


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("19850412", date(1985, 4, 12)), ("20240229", date(2024, 2, 29))],
)
def test_t24_date_parses_yyyymmdd(raw: str, expected: date) -> None:
    assert t24_date(raw, "date_of_birth") == expected


@pytest.mark.parametrize("raw", ["", "1985-04-12", "19850230", "20231301", "8504121", "abcdefgh"])
def test_t24_date_refuses_bad_dates(raw: str) -> None:
    with pytest.raises(ValidationError) as info:
        t24_date(raw, "date_of_birth")
    assert (info.value.field, info.value.code) == ("date_of_birth", "BAD_DATE")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("150000000", Decimal("150000000")),
        ("1,250,000.50", Decimal("1250000.50")),
        (" 0 ", Decimal("0")),
        ("-500000", Decimal("-500000")),
    ],
)
def test_t24_amount_parses_decimals(raw: str, expected: Decimal) -> None:
    assert t24_amount(raw, "outstanding") == expected


@pytest.mark.parametrize("raw", ["", "12a", "NaN", "Infinity", "1.2.3"])
def test_t24_amount_refuses_non_numbers(raw: str) -> None:
    with pytest.raises(ValidationError) as info:
        t24_amount(raw, "outstanding")
    assert (info.value.field, info.value.code) == ("outstanding", "BAD_AMOUNT")
