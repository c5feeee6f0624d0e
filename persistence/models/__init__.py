"""Typed SQLAlchemy models, one module per service; importing this registers them all."""

from persistence.models import (
    auth,
    payments,
    performance,
    reconciliation,
    strategy,
    sync,
    workflow,
)
from persistence.models.auth import AuditLog
from persistence.models.base import SERVICE_SCHEMAS, Base, service_of_schema
from persistence.models.payments import Payment
from persistence.models.sync import SyncError

__all__ = [
    "SERVICE_SCHEMAS",
    "AuditLog",
    "Base",
    "Payment",
    "SyncError",
    "auth",
    "payments",
    "performance",
    "reconciliation",
    "service_of_schema",
    "strategy",
    "sync",
    "workflow",
]
