"""JSON of the synchronized entities: camelCase names; money as Decimal (a string on the wire)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from persistence.sync_read import CustomerRead, LoanRead

Row = Mapping[str, Any]


def _source(row: Row) -> dict[str, Any]:
    return {"sourceSystem": row["source_system"], "lastSyncedAt": row["last_synced_at"]}


def customer_summary_json(row: Row) -> dict[str, Any]:
    """A customer as a search result lists it."""
    return {
        "cif": row["cif"],
        "customerType": row["customer_type"],
        "name": row["name"],
        "shortName": row["short_name"],
        "status": row["status"],
        "dateOfBirth": row["date_of_birth"],
        "nationalId": row["national_id"],
        "segment": row["segment"],
        "companyName": row["company_name"],
    }


def phone_json(row: Row) -> dict[str, Any]:
    return {
        "type": row["type"],
        "number": row["number"],
        "isPrimary": row["is_primary"],
        "isVerified": row["is_verified"],
        "verificationDate": row["verification_date"],
    }


def address_json(row: Row) -> dict[str, Any]:
    return {
        "type": row["type"],
        "line1": row["line1"],
        "line2": row["line2"],
        "district": row["district"],
        "city": row["city"],
        "state": row["state"],
        "country": row["country"],
        "isPrimary": row["is_primary"],
        "isVerified": row["is_verified"],
    }


def email_json(row: Row) -> dict[str, Any]:
    return {
        "address": row["address"],
        "isPrimary": row["is_primary"],
        "isVerified": row["is_verified"],
    }


def customer_json(read: CustomerRead) -> dict[str, Any]:
    row = read.customer
    return {
        **customer_summary_json(row),
        "gender": row["gender"],
        "registrationNumber": row["registration_number"],
        "taxId": row["tax_id"],
        **_source(row),
        "phones": [phone_json(p) for p in read.phones],
        "addresses": [address_json(a) for a in read.addresses],
        "emails": [email_json(e) for e in read.emails],
    }


def loan_json(row: Row) -> dict[str, Any]:
    return {
        "accountNumber": row["account_number"],
        "cif": row["cif"],
        "productType": row["product_type"],
        "currency": row["currency"],
        "originalAmount": row["original_amount"],
        "outstanding": row["outstanding"],
        "dueAmount": row["due_amount"],
        "remainingAmount": row["remaining_amount"],
        "dpd": row["dpd"],
        "status": row["status"],
        "delinquencyStatus": row["delinquency_status"],
        "disbursementDate": row["disbursement_date"],
        "maturityDate": row["maturity_date"],
        "interestRate": row["interest_rate"],
        "term": row["term"],
        "paymentFrequency": row["payment_frequency"],
        "limit": row["limit"],
        "minPay": row["min_pay"],
        "nextPaymentDate": row["next_payment_date"],
        "closeDate": row["close_date"],
        "resolutionCode": row["resolution_code"],
        "resolutionNotes": row["resolution_notes"],
        **_source(row),
    }


def due_segment_json(row: Row) -> dict[str, Any]:
    return {
        "dueDate": row["due_date"],
        "principal": row["principal"],
        "interest": row["interest"],
        "fees": row["fees"],
        "penalty": row["penalty"],
        "total": row["principal"] + row["interest"] + row["fees"] + row["penalty"],
    }


def _group(**fields: Any) -> dict[str, Any] | None:
    """A vehicle's or a property's details; null for a collateral of the other kind."""
    return fields if any(v is not None for v in fields.values()) else None


def collateral_json(row: Row) -> dict[str, Any]:
    body = {
        "collateralNumber": row["collateral_number"],
        "cif": row["cif"],
        "type": row["type"],
        "value": row["value"],
        "description": row["description"],
        "valuationDate": row["valuation_date"],
        "vehicle": _group(
            make=row["make"],
            model=row["model"],
            year=row["year"],
            vin=row["vin"],
            licensePlate=row["license_plate"],
        ),
        "property": _group(
            propertyType=row["property_type"],
            address=row["address"],
            size=row["size"],
            titleNumber=row["title_number"],
        ),
        **_source(row),
    }
    accounts = row.get("account_numbers")
    if accounts is not None:
        body["accountNumbers"] = list(accounts)
    return body


def loan_detail_json(read: LoanRead) -> dict[str, Any]:
    return {
        **loan_json(read.loan),
        "dueSegments": [due_segment_json(s) for s in read.due_segments],
        "collaterals": [collateral_json(c) for c in read.collaterals],
    }


def reference_json(row: Row) -> dict[str, Any]:
    return {
        "refCif": row["ref_cif"],
        "relationshipType": row["relationship_type"],
        "name": row["name"],
        "nationalId": row["national_id"],
        "phone": row["phone"],
        "email": row["email"],
        "address": row["address"],
        **_source(row),
    }


def items_json(rows: Sequence[Row], shape: Callable[[Row], dict[str, Any]]) -> dict[str, Any]:
    return {"items": [shape(r) for r in rows]}
