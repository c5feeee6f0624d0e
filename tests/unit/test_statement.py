"""Bank statement CSV parsing and reconciliation request rules, with values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.errors import ValidationError
from domain.statement import (
    InvalidStatement,
    ReconciliationRequest,
    Resolution,
    parse_reconciliation_request,
    parse_resolve_request,
    parse_statement,
)

HEADER = "reference_number,loan_account_number,amount,currency,booked_at\n"
GOOD = HEADER + (
    "FT001,LD001,2500000.00,VND,2026-11-20T10:15:00+07:00\n"
    "FT002,LD002,120.5,USD,2026-11-20T03:00:00Z\n"
)


def errors_of(data: str | bytes) -> list[tuple[int, str]]:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(InvalidStatement) as caught:
        parse_statement(raw)
    assert caught.value.code == "INVALID_STATEMENT"
    return [(e.line, e.field) for e in caught.value.errors]


def test_a_good_statement_parses_to_utc_and_decimals() -> None:
    statement = parse_statement(GOOD.encode())
    first, second = statement.transactions
    assert first.reference_number == "FT001"
    assert first.loan_account_number == "LD001"
    assert first.amount == Decimal("2500000.00")
    assert first.currency == "VND"
    assert first.booked_at == datetime(2026, 11, 20, 3, 15, tzinfo=UTC)
    assert second.amount == Decimal("120.5")
    assert second.booked_at == datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def test_the_same_file_is_the_same_statement_and_another_file_is_not() -> None:
    assert (
        parse_statement(GOOD.encode()).statement_id == parse_statement(GOOD.encode()).statement_id
    )
    other = GOOD + "FT003,LD003,1,VND,2026-11-20T10:15:00+07:00\n"
    assert (
        parse_statement(other.encode()).statement_id != parse_statement(GOOD.encode()).statement_id
    )


def test_byte_order_mark_crlf_quotes_and_blank_lines_are_accepted() -> None:
    data = (
        "\ufeffreference_number,loan_account_number,amount,currency,booked_at\r\n"
        '"FT001","LD001","10.00","VND","2026-11-20T10:15:00+07:00"\r\n'
        "\r\n"
    )
    (only,) = parse_statement(data.encode()).transactions
    assert only.amount == Decimal("10.00")


def test_header_only_is_an_empty_statement() -> None:
    assert parse_statement(HEADER.encode()).transactions == ()


@pytest.mark.parametrize(
    "data",
    [
        "",
        "ref,account,amount,currency,booked_at\n",
        "reference_number,loan_account_number,amount,currency\n",
        "FT001,LD001,1.00,VND,2026-11-20T10:15:00+07:00\n",
    ],
)
def test_a_missing_or_wrong_header_refuses_the_file(data: str) -> None:
    assert errors_of(data) == [(1, "header")]


@pytest.mark.parametrize(
    ("line", "field"),
    [
        (",LD001,1.00,VND,2026-11-20T10:15:00+07:00", "reference_number"),
        ("FT009,  ,1.00,VND,2026-11-20T10:15:00+07:00", "loan_account_number"),
        ("FT009,LD001,1,5,VND,2026-11-20T10:15:00+07:00", "line"),
        ('FT009,LD001,"1,50",VND,2026-11-20T10:15:00+07:00', "amount"),
        ("FT009,LD001,1.005,VND,2026-11-20T10:15:00+07:00", "amount"),
        ("FT009,LD001,-5.00,VND,2026-11-20T10:15:00+07:00", "amount"),
        ("FT009,LD001,0.00,VND,2026-11-20T10:15:00+07:00", "amount"),
        ("FT009,LD001,1e5,VND,2026-11-20T10:15:00+07:00", "amount"),
        ("FT009,LD001,12345678901234567,VND,2026-11-20T10:15:00+07:00", "amount"),
        ("FT009,LD001,1.00,vnd,2026-11-20T10:15:00+07:00", "currency"),
        ("FT009,LD001,1.00,DONG,2026-11-20T10:15:00+07:00", "currency"),
        ("FT009,LD001,1.00,VND,2026-11-20T10:15:00", "booked_at"),
        ("FT009,LD001,1.00,VND,20/11/2026", "booked_at"),
        ("FT009,LD001,1.00,VND,", "booked_at"),
        ("FT001,LD001,1.00,VND,2026-11-20T10:15:00+07:00", "reference_number"),
    ],
)
def test_each_bad_field_is_named_with_its_line(line: str, field: str) -> None:
    assert errors_of(GOOD + line + "\n") == [(4, field)]


def test_every_bad_line_is_listed_and_nothing_is_returned() -> None:
    data = GOOD + "FT003,LD003,abc,VND,2026-11-20T10:15:00+07:00\n" + "FT004,,1.00,xx,nope\n"
    with pytest.raises(InvalidStatement) as caught:
        parse_statement(data.encode())
    listed = [(e.line, e.field) for e in caught.value.errors]
    assert listed == [(4, "amount"), (5, "loan_account_number"), (5, "currency"), (5, "booked_at")]
    assert caught.value.field == "amount"
    assert "line 4, amount" in caught.value.message
    assert "line 5, booked_at" in caught.value.message


def test_many_errors_are_counted_but_the_message_stays_short() -> None:
    data = HEADER + "".join(f"FT{i},LD,x,VND,2026-11-20T10:15:00Z\n" for i in range(100))
    with pytest.raises(InvalidStatement) as caught:
        parse_statement(data.encode())
    assert len(caught.value.errors) == 100
    assert "100 error(s)" in caught.value.message and "and 80 more" in caught.value.message


def test_invalid_utf8_names_its_line() -> None:
    data = GOOD.encode() + b"FT003,LD\xff,1.00,VND,2026-11-20T10:15:00+07:00\n"
    assert errors_of(data) == [(4, "encoding")]


def test_a_line_number_counts_physical_lines_inside_quotes() -> None:
    data = GOOD + '"FT\n003",LD003,1.00,VND,2026-11-20T10:15:00+07:00\nFT004,LD,x,VND,bad\n'
    assert errors_of(data) == [(6, "amount"), (6, "booked_at")]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"startDate": "2026-11-01", "endDate": "2026-11-30"}, (date(2026, 11, 1), 1)),
        ({"startDate": "2026-11-01", "endDate": "2026-11-01", "toleranceDays": 0}, None),
        ({"startDate": "2026-01-01", "endDate": "2026-04-03"}, None),
    ],
)
def test_good_ranges(body: dict[str, Any], expected: tuple[date, int] | None) -> None:
    parsed = parse_reconciliation_request(body)
    assert parsed.start_date <= parsed.end_date
    if expected is not None:
        assert (parsed.start_date, parsed.tolerance_days) == expected


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "startDate"),
        ({"startDate": "2026-11-01"}, "endDate"),
        ({"startDate": "01/11/2026", "endDate": "2026-11-30"}, "startDate"),
        ({"startDate": 20261101, "endDate": "2026-11-30"}, "startDate"),
        ({"startDate": "2026-11-01", "endDate": "2026-11-31"}, "endDate"),
        ({"startDate": "2026-11-02", "endDate": "2026-11-01"}, "endDate"),
        ({"startDate": "2026-01-01", "endDate": "2026-04-04"}, "endDate"),
        (
            {"startDate": "2026-11-01", "endDate": "2026-11-01", "toleranceDays": -1},
            "toleranceDays",
        ),
        ({"startDate": "2026-11-01", "endDate": "2026-11-01", "toleranceDays": 7}, "toleranceDays"),
        (
            {"startDate": "2026-11-01", "endDate": "2026-11-01", "toleranceDays": True},
            "toleranceDays",
        ),
        (
            {"startDate": "2026-11-01", "endDate": "2026-11-01", "toleranceDays": "1"},
            "toleranceDays",
        ),
    ],
)
def test_bad_ranges_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_reconciliation_request(body)
    assert caught.value.field == field


def test_range_bounds_are_bank_local_midnights() -> None:
    request = ReconciliationRequest(date(2026, 11, 20), date(2026, 11, 21), 1)
    start, end = request.bounds(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert start == datetime(2026, 11, 19, 17, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 21, 17, 0, tzinfo=UTC)


def test_resolve_needs_a_known_resolution_and_a_reason() -> None:
    parsed = parse_resolve_request({"resolution": "CORRECTED_BY_BANK", "note": " bank fixed it "})
    assert (parsed.resolution, parsed.note) == (Resolution.CORRECTED_BY_BANK, "bank fixed it")
    for body, field in (
        ({"note": "x"}, "resolution"),
        ({"resolution": "FIXED", "note": "x"}, "resolution"),
        ({"resolution": ["OTHER"], "note": "x"}, "resolution"),
        ({"resolution": "OTHER"}, "note"),
        ({"resolution": "OTHER", "note": "   "}, "note"),
        ({"resolution": "OTHER", "note": "x" * 2001}, "note"),
    ):
        with pytest.raises(ValidationError) as caught:
            parse_resolve_request(body)
        assert caught.value.field == field
