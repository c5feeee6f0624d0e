"""JSON of the synchronized entities as a client reads it: camelCase, money as strings."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from persistence.sync_read import CustomerRead, LoanRead
from web.jsonio import dumps
from web.sync_json import collateral_json, customer_json, loan_detail_json, reference_json

SYNCED = datetime(2026, 11, 29, 8, 30, tzinfo=UTC)
SOURCE = {"source_system": "T24", "last_synced_at": SYNCED}


def wire(value: Any) -> Any:
    """What the client receives."""
    return json.loads(dumps(value))


def collateral_row(**values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(
        "description valuation_date make model year vin license_plate property_type address"
        " size title_number".split()
    )
    return {**row, **SOURCE, "collateral_number": "C1", "cif": "100234", **values}


def test_customer_with_contacts() -> None:
    customer = {
        "cif": "100234",
        "customer_type": "INDIVIDUAL",
        "name": "Nguyễn Văn A",
        "short_name": None,
        "status": "ACTIVE",
        "date_of_birth": date(1985, 4, 12),
        "gender": "M",
        "national_id": "079085001234",
        "segment": "MASS",
        "company_name": None,
        "registration_number": None,
        "tax_id": None,
        **SOURCE,
    }
    phone = {
        "type": "MOBILE1",
        "number": "0901234567",
        "is_primary": True,
        "is_verified": False,
        "verification_date": None,
    }
    email = {"address": "a@example.vn", "is_primary": True, "is_verified": True}
    body = wire(customer_json(CustomerRead(customer, [phone], [], [email])))
    assert body["name"] == "Nguyễn Văn A" and body["dateOfBirth"] == "1985-04-12"
    assert body["nationalId"] == "079085001234" and body["customerType"] == "INDIVIDUAL"
    assert body["lastSyncedAt"] == "2026-11-29T08:30:00+00:00"
    assert body["phones"] == [
        {
            "type": "MOBILE1",
            "number": "0901234567",
            "isPrimary": True,
            "isVerified": False,
            "verificationDate": None,
        }
    ]
    assert body["addresses"] == []
    assert body["emails"] == [{"address": "a@example.vn", "isPrimary": True, "isVerified": True}]


def test_loan_with_due_segment_totals_and_collaterals() -> None:
    loan = {
        "account_number": "LD1",
        "cif": "100234",
        "product_type": "PERSONAL_LOAN",
        "currency": "VND",
        "original_amount": Decimal("100000000.00"),
        "outstanding": Decimal("80000000.00"),
        "due_amount": Decimal("5000000.00"),
        "remaining_amount": Decimal("75000000.00"),
        "dpd": 12,
        "status": "OPEN",
        "limit": None,
        **dict.fromkeys(
            "disbursement_date maturity_date interest_rate term payment_frequency min_pay"
            " next_payment_date delinquency_status close_date resolution_code"
            " resolution_notes".split()
        ),
        **SOURCE,
    }
    segment = {
        "due_date": date(2026, 10, 5),
        "principal": Decimal("4000000.00"),
        "interest": Decimal("900000.00"),
        "fees": Decimal("0.00"),
        "penalty": Decimal("100000.00"),
    }
    property_ = collateral_row(
        type="PROPERTY", value=Decimal("2500000000.00"), size=Decimal("80.5")
    )
    body = wire(loan_detail_json(LoanRead(loan, [segment], [property_])))
    assert (body["accountNumber"], body["outstanding"], body["dpd"]) == ("LD1", "80000000.00", 12)
    assert body["dueSegments"][0]["total"] == "5000000.00"
    (collateral,) = body["collaterals"]
    assert collateral["vehicle"] is None
    assert collateral["property"] == {
        "propertyType": None,
        "address": None,
        "size": "80.5",
        "titleNumber": None,
    }
    assert "accountNumbers" not in collateral


def test_a_customers_collateral_lists_the_loans_it_secures() -> None:
    row = collateral_row(type="VEHICLE", value=Decimal(1), make="Honda", account_numbers=["LD1"])
    body = wire(collateral_json(row))
    assert body["vehicle"]["make"] == "Honda" and body["accountNumbers"] == ["LD1"]


def test_reference() -> None:
    row = {
        "ref_cif": "200001",
        "relationship_type": "SPOUSE",
        "name": "Lê Thị C",
        "national_id": None,
        "phone": "0912345678",
        "email": None,
        "address": None,
        **SOURCE,
    }
    assert wire(reference_json(row))["relationshipType"] == "SPOUSE"
