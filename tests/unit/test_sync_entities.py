"""Synchronized entities: validation names the field, natural keys, newer-wins ordering."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

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
    SyncEntity,
    newer,
)

TS = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
META: dict[str, Any] = {"source_system": "T24", "source_record_id": "100234", "source_ts": TS}


def loan(**overrides: Any) -> Loan:
    values: dict[str, Any] = {
        "account_number": "AA24001ABC12",
        "cif": "100234",
        "product_type": "PERSONAL.LOAN",
        "currency": "VND",
        "original_amount": Decimal("300000000"),
        "outstanding": Decimal("180000000"),
        "due_amount": Decimal("8500000"),
        "dpd": 12,
        "status": "OPEN",
    }
    return Loan(**META, **(values | overrides))


def test_loan_remaining_amount_is_outstanding_minus_due() -> None:
    assert loan().remaining_amount == Decimal("171500000")


@pytest.mark.parametrize(
    ("entity", "key"),
    [
        (
            Customer(**META, cif="100234", customer_type="INDIVIDUAL", name="NGUYỄN VĂN A"),
            ("100234",),
        ),
        (loan(), ("AA24001ABC12",)),
        (
            Collateral(
                **META, collateral_number="COL.2401", cif="100234", type="VEHICLE", value=Decimal(1)
            ),
            ("COL.2401",),
        ),
        (Phone(**META, cif="100234", type="MOBILE1", number="0901234567"), ("100234", "MOBILE1")),
        (Address(**META, cif="100234", type="HOME", line1="12 Phố Huế"), ("100234", "HOME")),
        (
            Email(**META, cif="100234", address="nguyen.van.a@gmail.com"),
            ("100234", "nguyen.van.a@gmail.com"),
        ),
        (
            DueSegmentation(
                **META,
                account_number="AA24001ABC12",
                due_date=date(2026, 12, 5),
                principal=Decimal("7000000"),
                interest=Decimal("1500000"),
            ),
            ("AA24001ABC12", "2026-12-05"),
        ),
    ],
    ids=["customer", "loan", "collateral", "phone", "address", "email", "due-segment"],
)
def test_natural_keys(entity: SyncEntity, key: tuple[str, ...]) -> None:
    assert entity.natural_key() == key
    assert entity.is_deleted is False


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"account_number": ""}, "account_number", "MISSING_KEY"),
        ({"cif": "  "}, "cif", "MISSING_KEY"),
        ({"outstanding": Decimal("-1")}, "outstanding", "NEGATIVE_AMOUNT"),
        ({"due_amount": Decimal("-0.01")}, "due_amount", "NEGATIVE_AMOUNT"),
        ({"original_amount": Decimal("-300000000")}, "original_amount", "NEGATIVE_AMOUNT"),
        ({"interest_rate": Decimal("-9.5")}, "interest_rate", "NEGATIVE_AMOUNT"),
        ({"dpd": -3}, "dpd", "NEGATIVE_AMOUNT"),
        ({"status": "WRITTEN_OFF"}, "status", "UNKNOWN_ENUM"),
        ({"currency": "VNĐ"}, "currency", "UNKNOWN_ENUM"),
    ],
)
def test_invalid_loans_name_the_field(overrides: dict[str, Any], field: str, code: str) -> None:
    with pytest.raises(ValidationError) as info:
        loan(**overrides)
    assert (info.value.field, info.value.code) == (field, code)


@pytest.mark.parametrize(
    ("build", "field", "code"),
    [
        (
            lambda: Customer(**META, cif="", customer_type="INDIVIDUAL", name="A"),
            "cif",
            "MISSING_KEY",
        ),
        (
            lambda: Customer(**META, cif="1", customer_type="PERSON", name="A"),
            "customer_type",
            "UNKNOWN_ENUM",
        ),
        (
            lambda: Customer(**META, cif="1", customer_type="INDIVIDUAL", name=""),
            "name",
            "MISSING_KEY",
        ),
        (
            # 340 characters, but 3,060 bytes once folded: each syllable becomes three jamo.
            lambda: Customer(**META, cif="1", customer_type="INDIVIDUAL", name="한" * 340),
            "name",
            "TOO_LONG",
        ),
        (
            lambda: Customer(**META, cif="1", customer_type="INDIVIDUAL", name="A", status="X"),
            "status",
            "UNKNOWN_ENUM",
        ),
        (lambda: Phone(**META, cif="1", type="", number="0901234567"), "phone_type", "MISSING_KEY"),
        (
            lambda: Phone(**META, cif="1", type="MOBILE1", number="09-abc"),
            "phone_number",
            "BAD_PHONE",
        ),
        (lambda: Address(**META, cif="1", type="HOME", line1=""), "address_line1", "MISSING_KEY"),
        (lambda: Email(**META, cif="1", address="nguyen.van.a"), "email", "BAD_EMAIL"),
        (
            lambda: Collateral(
                **META, collateral_number="C1", cif="1", type="VEHICLE", value=Decimal(-1)
            ),
            "value",
            "NEGATIVE_AMOUNT",
        ),
        (
            lambda: DueSegmentation(
                **META,
                account_number="A",
                due_date=date(2026, 12, 5),
                principal=Decimal(0),
                interest=Decimal(-1),
            ),
            "interest",
            "NEGATIVE_AMOUNT",
        ),
    ],
    ids=[
        "cif",
        "type",
        "name",
        "name-too-long",
        "status",
        "phone-type",
        "phone",
        "line1",
        "email",
        "value",
        "interest",
    ],
)
def test_invalid_entities_name_the_field(build: Any, field: str, code: str) -> None:
    with pytest.raises(ValidationError) as info:
        build()
    assert (info.value.field, info.value.code) == (field, code)


def test_a_long_name_that_fits_its_index_keys_is_accepted() -> None:
    name = "Công ty Trách nhiệm Hữu hạn Nguyễn Văn An " * 40  # 1,680 characters
    assert Customer(**META, cif="1", customer_type="ORGANIZATION", name=name).name == name


@pytest.mark.parametrize(
    "ts",
    [
        datetime(2026, 11, 29, 9, 0),
        datetime(2026, 11, 29, 9, 0, tzinfo=timezone(timedelta(hours=7))),
    ],
)
def test_source_ts_must_be_utc(ts: datetime) -> None:
    with pytest.raises(ValidationError) as info:
        Phone(
            source_system="T24",
            source_record_id="1",
            source_ts=ts,
            cif="1",
            type="MOBILE1",
            number="0901234567",
        )
    assert info.value.field == "source_ts"


@pytest.mark.parametrize(
    ("existing", "incoming", "expected"),
    [
        (None, TS, True),
        (TS, TS + timedelta(milliseconds=1), True),
        (TS, TS, True),
        (TS, TS - timedelta(seconds=1), False),
        (TS + timedelta(days=1), TS, False),
    ],
    ids=["first", "newer", "redelivery", "late-older", "much-older"],
)
def test_newer(existing: datetime | None, incoming: datetime, expected: bool) -> None:
    assert newer(existing, incoming) is expected
