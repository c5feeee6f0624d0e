"""Declarative base shared by every service's models, and each service's schemas."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import CHAR, DateTime, MetaData, Numeric, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase

from crm.settings import ServiceName

# Constraint names are part of the schema contract: migrations and models must agree on them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Each service owns these schemas and nothing else; the first one holds its alembic_version.
SERVICE_SCHEMAS: dict[ServiceName, tuple[str, ...]] = {
    "sync": ("sync_entities", "sync_metadata"),
    "payments": ("payments", "reconciliation"),
    "workflow": ("workflow", "agents", "actions"),
    "auth": ("auth", "audit"),
}

Money = Numeric(18, 2)
CurrencyCode = CHAR(3)


class Base(DeclarativeBase):
    """Root of all models: str is text, Decimal Numeric(18,2), datetime timestamptz, dict jsonb."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        str: Text(),
        Decimal: Money,
        dt.datetime: DateTime(timezone=True),
        dict[str, Any]: JSONB,
    }


def service_of_schema(schema: str | None) -> ServiceName | None:
    """Return the service that owns a schema, or None for schemas no service owns."""
    for service, schemas in SERVICE_SCHEMAS.items():
        if schema in schemas:
            return service
    return None
