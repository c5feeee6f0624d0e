"""LOS tables into canonical entities: reference customers and loan-collateral links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain import debezium as col
from domain.sync_entities import LoanCollateral, ReferenceCustomer, SyncEntity

SOURCE_LOS = "LOS"


def reference_customer(row: dict[str, Any], source_ts: datetime) -> list[SyncEntity]:
    reference = ReferenceCustomer(
        source_system=SOURCE_LOS,
        source_record_id=str(row.get("id")),
        source_ts=source_ts,
        ref_cif=col.required_text(row, "ref_cif", "ref_cif"),
        cif=col.required_text(row, "primary_cif", "cif"),
        relationship_type=col.required_text(row, "relationship_type", "relationship_type"),
        name=col.required_text(row, "name", "name"),
        national_id=col.text(row, "national_id", "national_id"),
        phone=col.text(row, "phone", "phone"),
        email=col.text(row, "email", "email"),
        address=col.text(row, "address", "address"),
    )
    return [reference]


def loan_collateral(row: dict[str, Any], source_ts: datetime) -> list[SyncEntity]:
    account = col.required_text(row, "account_number", "account_number")
    collateral = col.required_text(row, "collateral_number", "collateral_number")
    link = LoanCollateral(
        source_system=SOURCE_LOS,
        source_record_id=f"{account}/{collateral}",
        source_ts=source_ts,
        account_number=account,
        collateral_number=collateral,
        cif=col.required_text(row, "cif", "cif"),
    )
    return [link]
