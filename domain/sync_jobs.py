"""What a sync job may snapshot: each source's entity types and the tables behind them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.errors import ValidationError
from simulators.sources import SOURCES

# Per source system: entity type → the captured tables that produce it. T24 contacts live
# in the customer record, W4 contacts in CLIENT_CONTACT.
SNAPSHOT_TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "T24": {
        "customer": ("FBNK_CUSTOMER",),
        "phone": ("FBNK_CUSTOMER",),
        "address": ("FBNK_CUSTOMER",),
        "email": ("FBNK_CUSTOMER",),
        "loan": ("FBNK_AA_ARRANGEMENT",),
        "collateral": ("FBNK_COLLATERAL",),
        "due_segmentation": ("FBNK_AA_BILL_DETAILS",),
    },
    "W4": {
        "loan": ("CARD_CONTRACT",),
        "phone": ("CLIENT_CONTACT",),
        "email": ("CLIENT_CONTACT",),
    },
    "LOS": {
        "reference_customer": ("reference_customer",),
        "loan_collateral": ("loan_collateral",),
    },
}
SOURCE_NAMES = {s.system: s.name for s in SOURCES}


@dataclass(frozen=True)
class SyncRun:
    source_system: str
    entity_type: str | None
    # Debezium data-collection names ("public.<table>"), each once.
    collections: tuple[str, ...]

    @property
    def database(self) -> str:
        return SOURCE_NAMES[self.source_system]


def parse_sync_run(body: dict[str, Any]) -> SyncRun:
    """Validate POST /api/sync/run's body: {source, entityType?}."""
    source = body.get("source")
    if not isinstance(source, str) or source.upper() not in SNAPSHOT_TABLES:
        allowed = ", ".join(SNAPSHOT_TABLES)
        raise ValidationError(f"source must be one of {allowed}", field="source", code="BAD_SOURCE")
    system = source.upper()
    entity_type = body.get("entityType")
    tables = SNAPSHOT_TABLES[system]
    if entity_type is None:
        chosen = [t for group in tables.values() for t in group]
    elif isinstance(entity_type, str) and entity_type in tables:
        chosen = list(tables[entity_type])
    else:
        allowed = ", ".join(tables)
        msg = f"entityType must be one of {allowed} for {system}"
        raise ValidationError(msg, field="entityType", code="BAD_ENTITY_TYPE")
    if unknown := set(body) - {"source", "entityType"}:
        field = sorted(unknown)[0]
        raise ValidationError(f"unknown field {field}", field=field, code="UNKNOWN_FIELD")
    collections = tuple(dict.fromkeys(f"public.{t}" for t in chosen))
    return SyncRun(system, entity_type, collections)
