"""Canonical sync entities as Avro records (topics) and as PostgreSQL rows (sink)."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from functools import cache
from typing import Any

from domain.sync_entities import ENTITY_TYPES, Customer, SyncEntity, type_name
from domain.text_fold import fold

SCHEMA_NAMES: dict[str, str] = {
    name: f"crm.sync.{cls.__name__}" for name, cls in ENTITY_TYPES.items()
}
TYPE_OF_SCHEMA: dict[str, str] = {schema: name for name, schema in SCHEMA_NAMES.items()}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@cache
def _fields(cls: type[SyncEntity]) -> tuple[tuple[str, str, bool], ...]:
    """(python name, Avro name, set by the constructor) of each field, in order."""
    return tuple((f.name, camel(f.name), f.init) for f in fields(cls))


def schema_name(entity: SyncEntity) -> str:
    return SCHEMA_NAMES[type_name(entity)]


def to_avro(entity: SyncEntity) -> dict[str, Any]:
    return {avro: getattr(entity, name) for name, avro, _ in _fields(type(entity))}


def from_avro(schema: str, record: dict[str, Any]) -> SyncEntity:
    """Rebuild (and so re-validate) an entity from the record of its schema."""
    entity_type = TYPE_OF_SCHEMA.get(schema)
    if entity_type is None:
        raise ValueError(f"{schema} is not a sync entity schema")
    cls = ENTITY_TYPES[entity_type]
    values = {name: record[avro] for name, avro, init in _fields(cls) if init}
    return cls(**values)


def to_row(entity: SyncEntity, synced_at: datetime) -> dict[str, Any]:
    """The entity's row in sync_entities.<type>: its fields plus when it was synced."""
    row = {name: getattr(entity, name) for name, _, _ in _fields(type(entity))}
    row["last_synced_at"] = synced_at
    if isinstance(entity, Customer):
        row["name_folded"] = fold(entity.name)
    return row
