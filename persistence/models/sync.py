"""Tables of the sync service (schemas sync_entities, sync_metadata).

Entities are keyed by their natural key and carry where they came from. There are no
foreign keys between them on purpose: a source may send a loan before its customer, and a
copy must show what the source holds, not refuse it. Reads join by key instead.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Identity,
    Index,
    Integer,
    Numeric,
    UniqueConstraint,
    func,
    inspect,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base, CurrencyCode

ENTITIES = {"schema": "sync_entities"}
METADATA = {"schema": "sync_metadata"}


class SourceColumns:
    """What every synchronized row carries about its source (DOMAIN.md)."""

    source_system: Mapped[str]
    source_record_id: Mapped[str]
    # The source's commit time of the change: a late, older change never overwrites a newer.
    source_ts: Mapped[dt.datetime]
    last_synced_at: Mapped[dt.datetime]
    # Deleted in the source: kept for history, hidden from reads.
    is_deleted: Mapped[bool] = mapped_column(server_default=text("false"))


class Customer(SourceColumns, Base):
    __tablename__ = "customer"
    __table_args__ = (
        # name_folded is the name without accents, lower case ("nguyen van a"): what search
        # compares, so "nguyen van a" finds "Nguyễn Văn A".
        Index(
            "ix_customer_name_trgm",
            "name_folded",
            postgresql_using="gin",
            postgresql_ops={"name_folded": "gin_trgm_ops"},
            postgresql_with={"fastupdate": "off"},
        ),
        # A name search walks this in page order through the names customer_name matched.
        Index("ix_customer_name_order", "name_folded", "cif"),
        Index(
            "ix_customer_national_id_trgm",
            "national_id",
            postgresql_using="gin",
            postgresql_ops={"national_id": "gin_trgm_ops"},
            postgresql_with={"fastupdate": "off"},
        ),
        ENTITIES,
    )

    cif: Mapped[str] = mapped_column(primary_key=True)
    customer_type: Mapped[str]
    name: Mapped[str]
    name_folded: Mapped[str]
    status: Mapped[str]
    short_name: Mapped[str | None]
    date_of_birth: Mapped[dt.date | None]
    gender: Mapped[str | None]
    national_id: Mapped[str | None] = mapped_column(index=True)
    segment: Mapped[str | None]
    company_name: Mapped[str | None]
    registration_number: Mapped[str | None]
    tax_id: Mapped[str | None]


class CustomerName(Base):
    """Each distinct folded name of a customer, once: what a name search matches words in.

    Kept by triggers on customer (migration sync_0005); a name is never removed.
    """

    __tablename__ = "customer_name"
    __table_args__ = (
        # Each word and each ordered pair of words (migration sync_0003 has the function).
        Index(
            "ix_customer_name_tokens",
            text("sync_entities.name_search_tokens(name_folded)"),
            postgresql_using="gin",
            postgresql_with={"fastupdate": "off"},
        ),
        ENTITIES,
    )

    name_folded: Mapped[str] = mapped_column(primary_key=True)


class Phone(SourceColumns, Base):
    __tablename__ = "phone"
    __table_args__ = (
        Index(
            "ix_phone_number_trgm",
            "number",
            postgresql_using="gin",
            postgresql_ops={"number": "gin_trgm_ops"},
            postgresql_with={"fastupdate": "off"},
        ),
        ENTITIES,
    )

    cif: Mapped[str] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(index=True)
    is_primary: Mapped[bool]
    is_verified: Mapped[bool]
    verification_date: Mapped[dt.date | None]


class Address(SourceColumns, Base):
    __tablename__ = "address"
    __table_args__ = ENTITIES

    cif: Mapped[str] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(primary_key=True)
    line1: Mapped[str]
    line2: Mapped[str | None]
    district: Mapped[str | None]
    city: Mapped[str | None]
    state: Mapped[str | None]
    country: Mapped[str | None]
    is_primary: Mapped[bool]
    is_verified: Mapped[bool]


class Email(SourceColumns, Base):
    __tablename__ = "email"
    __table_args__ = ENTITIES

    cif: Mapped[str] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(primary_key=True)
    is_primary: Mapped[bool]
    is_verified: Mapped[bool]


class Loan(SourceColumns, Base):
    __tablename__ = "loan"
    __table_args__ = (
        # The delinquent-loans list: open loans by DPD.
        Index(
            "ix_loan_delinquent",
            "dpd",
            "account_number",
            postgresql_where=text("NOT is_deleted AND status = 'OPEN' AND dpd > 0"),
        ),
        ENTITIES,
    )

    account_number: Mapped[str] = mapped_column(primary_key=True)
    cif: Mapped[str] = mapped_column(index=True)
    product_type: Mapped[str]
    currency: Mapped[str] = mapped_column(CurrencyCode)
    original_amount: Mapped[Decimal]
    outstanding: Mapped[Decimal]
    due_amount: Mapped[Decimal]
    remaining_amount: Mapped[Decimal]
    dpd: Mapped[int] = mapped_column(Integer)
    status: Mapped[str]
    disbursement_date: Mapped[dt.date | None]
    maturity_date: Mapped[dt.date | None]
    interest_rate: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    term: Mapped[int | None] = mapped_column(Integer)
    payment_frequency: Mapped[str | None]
    limit: Mapped[Decimal | None]
    min_pay: Mapped[Decimal | None]
    next_payment_date: Mapped[dt.date | None]
    delinquency_status: Mapped[str | None]
    close_date: Mapped[dt.date | None]
    resolution_code: Mapped[str | None]
    resolution_notes: Mapped[str | None]


class DueSegmentation(SourceColumns, Base):
    __tablename__ = "due_segmentation"
    __table_args__ = ENTITIES

    account_number: Mapped[str] = mapped_column(primary_key=True)
    due_date: Mapped[dt.date] = mapped_column(primary_key=True)
    principal: Mapped[Decimal]
    interest: Mapped[Decimal]
    fees: Mapped[Decimal]
    penalty: Mapped[Decimal]


class Collateral(SourceColumns, Base):
    __tablename__ = "collateral"
    __table_args__ = ENTITIES

    collateral_number: Mapped[str] = mapped_column(primary_key=True)
    cif: Mapped[str] = mapped_column(index=True)
    type: Mapped[str]
    value: Mapped[Decimal]
    description: Mapped[str | None]
    valuation_date: Mapped[dt.date | None]
    make: Mapped[str | None]
    model: Mapped[str | None]
    year: Mapped[int | None] = mapped_column(Integer)
    vin: Mapped[str | None]
    license_plate: Mapped[str | None]
    property_type: Mapped[str | None]
    address: Mapped[str | None]
    size: Mapped[Decimal | None]
    title_number: Mapped[str | None]


class LoanCollateral(SourceColumns, Base):
    __tablename__ = "loan_collateral"
    __table_args__ = ENTITIES

    account_number: Mapped[str] = mapped_column(primary_key=True)
    collateral_number: Mapped[str] = mapped_column(primary_key=True, index=True)
    cif: Mapped[str] = mapped_column(index=True)


class ReferenceCustomer(SourceColumns, Base):
    __tablename__ = "reference_customer"
    __table_args__ = ENTITIES

    ref_cif: Mapped[str] = mapped_column(primary_key=True)
    cif: Mapped[str] = mapped_column(primary_key=True, index=True)
    relationship_type: Mapped[str]
    name: Mapped[str]
    national_id: Mapped[str | None]
    phone: Mapped[str | None]
    email: Mapped[str | None]
    address: Mapped[str | None]


class SyncError(Base):
    """A source record that could not be synchronized, with where it came from and why."""

    __tablename__ = "sync_error"
    __table_args__ = (
        # One row per Kafka message: re-delivering a failed message does not duplicate it.
        UniqueConstraint("topic", "partition", "offset"),
        Index(None, "created_at"),
        Index(None, "entity_type", "natural_key"),
        METADATA,
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    source_system: Mapped[str]
    entity_type: Mapped[str]
    natural_key: Mapped[str | None]
    reason: Mapped[str]
    # NULL when the message was not even decodable into a record.
    raw_record: Mapped[dict[str, Any] | None]
    topic: Mapped[str]
    partition: Mapped[int]
    offset: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    # An operator who fixed the source (or decided it needs no fix) closes the error.
    resolved_at: Mapped[dt.datetime | None]


class SyncJob(Base):
    """An ad-hoc snapshot of a source (or one of its entity types) and its progress."""

    __tablename__ = "sync_job"
    __table_args__ = (Index(None, "status", "started_at"), METADATA)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    source_system: Mapped[str]
    entity_type: Mapped[str | None]
    # RUNNING, COMPLETED or FAILED
    status: Mapped[str]
    requested_by: Mapped[str | None]
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]
    processed: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    created: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    updated: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    deleted: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    errors: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    message: Mapped[str | None]


class SyncEvent(Base):
    """The SyncEvents published on sync.events, kept for the status view and for audit."""

    __tablename__ = "sync_event"
    __table_args__ = (Index(None, "source_system", "entity_type", "occurred_at"), METADATA)

    event_id: Mapped[str] = mapped_column(primary_key=True)
    event_type: Mapped[str]
    source_system: Mapped[str]
    entity_type: Mapped[str]
    record_count: Mapped[int] = mapped_column(BigInteger)
    job_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    occurred_at: Mapped[dt.datetime]
    # Latest source commit time among the records (freshness = occurred_at - this).
    last_source_ts: Mapped[dt.datetime | None]


class Orphan(Base):
    """A record held because the customer it belongs to has not arrived yet."""

    __tablename__ = "orphan"
    __table_args__ = (Index(None, "first_seen_at"), Index(None, "cif"), METADATA)

    entity_type: Mapped[str] = mapped_column(primary_key=True)
    natural_key: Mapped[str] = mapped_column(primary_key=True)
    cif: Mapped[str]
    source_system: Mapped[str]
    first_seen_at: Mapped[dt.datetime]


# Entity type name (as in domain.sync_entities.ENTITY_TYPES) → its table's model.
ENTITY_MODELS: dict[str, type[Base]] = {
    "customer": Customer,
    "phone": Phone,
    "address": Address,
    "email": Email,
    "loan": Loan,
    "due_segmentation": DueSegmentation,
    "collateral": Collateral,
    "loan_collateral": LoanCollateral,
    "reference_customer": ReferenceCustomer,
}


def key_columns(entity_type: str) -> list[str]:
    """The natural-key columns of an entity type's table (its primary key), in order."""
    return [c.name for c in inspect(ENTITY_MODELS[entity_type]).primary_key]
