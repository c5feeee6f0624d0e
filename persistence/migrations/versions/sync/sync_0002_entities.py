"""Synchronized entities by natural key with their search indexes; jobs, events, orphans.

Revision ID: sync_0002
Revises: sync_0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sync_0002"
down_revision: str | None = "sync_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the entity tables, their lookup and search indexes, and the metadata tables."""
    op.create_table(
        "address",
        sa.Column("cif", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("line1", sa.Text(), nullable=False),
        sa.Column("line2", sa.Text(), nullable=True),
        sa.Column("district", sa.Text(), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("state", sa.Text(), nullable=True),
        sa.Column("country", sa.Text(), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("is_verified", sa.Boolean(), nullable=False),
        sa.Column("source_system", sa.Text(), nullable=False),
        sa.Column("source_record_id", sa.Text(), nullable=False),
        sa.Column("source_ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("cif", "type", name=op.f("pk_address")),
        schema="sync_entities",
    )
    op.create_table(
        "collateral",
        sa.Column("collateral_number", sa.Text(), nullable=False),
        sa.Column("cif", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("value", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("valuation_date", sa.Date(), nullable=True),
        sa.Column("make", sa.Text(), nullable=True),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("vin", sa.Text(), nullable=True),
        sa.Column("license_plate", sa.Text(), nullable=True),
        sa.Column("property_type", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("size", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("title_number", sa.Text(), nullable=True),
        sa.Column("source_system", sa.Text(), nullable=False),
        sa.Column("source_record_id", sa.Text(), nullable=False),
        sa.Column("source_ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("collateral_number", name=op.f("pk_collateral")),
        schema="sync_entities",
    )
    op.create_index(
        op.f("ix_collateral_cif"), "collateral", ["cif"], unique=False, schema="sync_entities"
    )
    op.create_table(
        "customer",
        sa.Column("cif", sa.Text(), nullable=False),
        sa.Column("customer_type", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_folded", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("short_name", sa.Text(), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("gender", sa.Text(), nullable=True),
        sa.Column("national_id", sa.Text(), nullable=True),
        sa.Column("segment", sa.Text(), nullable=True),
        sa.Column("company_name", sa.Text(), nullable=True),
        sa.Column("registration_number", sa.Text(), nullable=True),
        sa.Column("tax_id", sa.Text(), nullable=True),
        sa.Column("source_system", sa.Text(), nullable=False),
        sa.Column("source_record_id", sa.Text(), nullable=False),
        sa.Column("source_ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("cif", name=op.f("pk_customer")),
        schema="sync_entities",
    )
    op.create_index(
        "ix_customer_name_fts",
        "customer",
        [sa.literal_column("to_tsvector('simple', name_folded)")],
        unique=False,
        schema="sync_entities",
        postgresql_using="gin",
    )
    op.create_index(
        "ix_customer_name_trgm",
        "customer",
        ["name_folded"],
        unique=False,
        schema="sync_entities",
        postgresql_using="gin",
        postgresql_ops={"name_folded": "gin_trgm_ops"},
    )
    op.create_index(
        op.f("ix_customer_national_id"),
        "customer",
        ["national_id"],
        unique=False,
        schema="sync_entities",
    )
    op.create_index(
        "ix_customer_national_id_trgm",
        "customer",
        ["national_id"],
        unique=False,
        schema="sync_entities",
        postgresql_using="gin",
        postgresql_ops={"national_id": "gin_trgm_ops"},
    )
    op.create_table(
        "due_segmentation",
        sa.Column("account_number", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("principal", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("interest", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("fees", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("penalty", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("source_system", sa.Text(), nullable=False),
        sa.Column("source_record_id", sa.Text(), nullable=False),
        sa.Column("source_ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("account_number", "due_date", name=op.f("pk_due_segmentation")),
        schema="sync_entities",
    )
    op.create_table(
        "email",
        sa.Column("cif", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("is_verified", sa.Boolean(), nullable=False),
        sa.Column("source_system", sa.Text(), nullable=False),
        sa.Column("source_record_id", sa.Text(), nullable=False),
        sa.Column("source_ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("cif", "address", name=op.f("pk_email")),
        schema="sync_entities",
    )
    op.create_table(
        "loan",
        sa.Column("account_number", sa.Text(), nullable=False),
        sa.Column("cif", sa.Text(), nullable=False),
        sa.Column("product_type", sa.Text(), nullable=False),
        sa.Column("currency", sa.CHAR(length=3), nullable=False),
        sa.Column("original_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("outstanding", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("due_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("remaining_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("dpd", sa.Integer(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("disbursement_date", sa.Date(), nullable=True),
        sa.Column("maturity_date", sa.Date(), nullable=True),
        sa.Column("interest_rate", sa.Numeric(precision=9, scale=4), nullable=True),
        sa.Column("term", sa.Integer(), nullable=True),
        sa.Column("payment_frequency", sa.Text(), nullable=True),
        sa.Column("limit", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("min_pay", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("next_payment_date", sa.Date(), nullable=True),
        sa.Column("delinquency_status", sa.Text(), nullable=True),
        sa.Column("close_date", sa.Date(), nullable=True),
        sa.Column("resolution_code", sa.Text(), nullable=True),
        sa.Column("resolution_notes", sa.Text(), nullable=True),
        sa.Column("source_system", sa.Text(), nullable=False),
        sa.Column("source_record_id", sa.Text(), nullable=False),
        sa.Column("source_ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("account_number", name=op.f("pk_loan")),
        schema="sync_entities",
    )
    op.create_index(op.f("ix_loan_cif"), "loan", ["cif"], unique=False, schema="sync_entities")
    op.create_index(
        "ix_loan_delinquent",
        "loan",
        ["dpd", "account_number"],
        unique=False,
        schema="sync_entities",
        postgresql_where=sa.text("NOT is_deleted AND status = 'OPEN' AND dpd > 0"),
    )
    op.create_table(
        "loan_collateral",
        sa.Column("account_number", sa.Text(), nullable=False),
        sa.Column("collateral_number", sa.Text(), nullable=False),
        sa.Column("cif", sa.Text(), nullable=False),
        sa.Column("source_system", sa.Text(), nullable=False),
        sa.Column("source_record_id", sa.Text(), nullable=False),
        sa.Column("source_ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint(
            "account_number", "collateral_number", name=op.f("pk_loan_collateral")
        ),
        schema="sync_entities",
    )
    op.create_index(
        op.f("ix_loan_collateral_cif"),
        "loan_collateral",
        ["cif"],
        unique=False,
        schema="sync_entities",
    )
    op.create_index(
        op.f("ix_loan_collateral_collateral_number"),
        "loan_collateral",
        ["collateral_number"],
        unique=False,
        schema="sync_entities",
    )
    op.create_table(
        "phone",
        sa.Column("cif", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("is_verified", sa.Boolean(), nullable=False),
        sa.Column("verification_date", sa.Date(), nullable=True),
        sa.Column("source_system", sa.Text(), nullable=False),
        sa.Column("source_record_id", sa.Text(), nullable=False),
        sa.Column("source_ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("cif", "type", name=op.f("pk_phone")),
        schema="sync_entities",
    )
    op.create_index(
        op.f("ix_phone_number"), "phone", ["number"], unique=False, schema="sync_entities"
    )
    op.create_index(
        "ix_phone_number_trgm",
        "phone",
        ["number"],
        unique=False,
        schema="sync_entities",
        postgresql_using="gin",
        postgresql_ops={"number": "gin_trgm_ops"},
    )
    op.create_table(
        "reference_customer",
        sa.Column("ref_cif", sa.Text(), nullable=False),
        sa.Column("cif", sa.Text(), nullable=False),
        sa.Column("relationship_type", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("national_id", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("source_system", sa.Text(), nullable=False),
        sa.Column("source_record_id", sa.Text(), nullable=False),
        sa.Column("source_ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.PrimaryKeyConstraint("ref_cif", "cif", name=op.f("pk_reference_customer")),
        schema="sync_entities",
    )
    op.create_index(
        op.f("ix_reference_customer_cif"),
        "reference_customer",
        ["cif"],
        unique=False,
        schema="sync_entities",
    )
    op.create_table(
        "orphan",
        sa.Column("entity_type", sa.Text(), nullable=False),
        sa.Column("natural_key", sa.Text(), nullable=False),
        sa.Column("cif", sa.Text(), nullable=False),
        sa.Column("source_system", sa.Text(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("entity_type", "natural_key", name=op.f("pk_orphan")),
        schema="sync_metadata",
    )
    op.create_index(op.f("ix_orphan_cif"), "orphan", ["cif"], unique=False, schema="sync_metadata")
    op.create_index(
        op.f("ix_orphan_first_seen_at"),
        "orphan",
        ["first_seen_at"],
        unique=False,
        schema="sync_metadata",
    )
    op.create_table(
        "sync_event",
        sa.Column("event_id", sa.Text(), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("source_system", sa.Text(), nullable=False),
        sa.Column("entity_type", sa.Text(), nullable=False),
        sa.Column("record_count", sa.BigInteger(), nullable=False),
        sa.Column("job_id", sa.UUID(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_source_ts", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_sync_event")),
        schema="sync_metadata",
    )
    op.create_index(
        op.f("ix_sync_event_source_system_entity_type_occurred_at"),
        "sync_event",
        ["source_system", "entity_type", "occurred_at"],
        unique=False,
        schema="sync_metadata",
    )
    op.create_table(
        "sync_job",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("source_system", sa.Text(), nullable=False),
        sa.Column("entity_type", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("processed", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("created", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("updated", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("deleted", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("errors", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_job")),
        schema="sync_metadata",
    )
    op.create_index(
        op.f("ix_sync_job_status_started_at"),
        "sync_job",
        ["status", "started_at"],
        unique=False,
        schema="sync_metadata",
    )
    op.add_column(
        "sync_error",
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        schema="sync_metadata",
    )


def downgrade() -> None:
    """Drop what upgrade created."""
    # ### commands auto generated by Alembic - please adjust! ###
    op.drop_column("sync_error", "resolved_at", schema="sync_metadata")
    op.drop_index(
        op.f("ix_sync_job_status_started_at"), table_name="sync_job", schema="sync_metadata"
    )
    op.drop_table("sync_job", schema="sync_metadata")
    op.drop_index(
        op.f("ix_sync_event_source_system_entity_type_occurred_at"),
        table_name="sync_event",
        schema="sync_metadata",
    )
    op.drop_table("sync_event", schema="sync_metadata")
    op.drop_index(op.f("ix_orphan_first_seen_at"), table_name="orphan", schema="sync_metadata")
    op.drop_index(op.f("ix_orphan_cif"), table_name="orphan", schema="sync_metadata")
    op.drop_table("orphan", schema="sync_metadata")
    op.drop_index(
        op.f("ix_reference_customer_cif"), table_name="reference_customer", schema="sync_entities"
    )
    op.drop_table("reference_customer", schema="sync_entities")
    op.drop_index(
        "ix_phone_number_trgm",
        table_name="phone",
        schema="sync_entities",
        postgresql_using="gin",
        postgresql_ops={"number": "gin_trgm_ops"},
    )
    op.drop_index(op.f("ix_phone_number"), table_name="phone", schema="sync_entities")
    op.drop_table("phone", schema="sync_entities")
    op.drop_index(
        op.f("ix_loan_collateral_collateral_number"),
        table_name="loan_collateral",
        schema="sync_entities",
    )
    op.drop_index(
        op.f("ix_loan_collateral_cif"), table_name="loan_collateral", schema="sync_entities"
    )
    op.drop_table("loan_collateral", schema="sync_entities")
    op.drop_index(
        "ix_loan_delinquent",
        table_name="loan",
        schema="sync_entities",
        postgresql_where=sa.text("NOT is_deleted AND status = 'OPEN' AND dpd > 0"),
    )
    op.drop_index(op.f("ix_loan_cif"), table_name="loan", schema="sync_entities")
    op.drop_table("loan", schema="sync_entities")
    op.drop_table("email", schema="sync_entities")
    op.drop_table("due_segmentation", schema="sync_entities")
    op.drop_index(
        "ix_customer_national_id_trgm",
        table_name="customer",
        schema="sync_entities",
        postgresql_using="gin",
        postgresql_ops={"national_id": "gin_trgm_ops"},
    )
    op.drop_index(op.f("ix_customer_national_id"), table_name="customer", schema="sync_entities")
    op.drop_index(
        "ix_customer_name_trgm",
        table_name="customer",
        schema="sync_entities",
        postgresql_using="gin",
        postgresql_ops={"name_folded": "gin_trgm_ops"},
    )
    op.drop_index(
        "ix_customer_name_fts",
        table_name="customer",
        schema="sync_entities",
        postgresql_using="gin",
    )
    op.drop_table("customer", schema="sync_entities")
    op.drop_index(op.f("ix_collateral_cif"), table_name="collateral", schema="sync_entities")
    op.drop_table("collateral", schema="sync_entities")
    op.drop_table("address", schema="sync_entities")
