"""Entity ↔ Avro ↔ row mappings, newest-wins grouping, and the batched SyncEvents."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from agents.sync_apply import Item, _newest
from domain.sync_entities import ENTITY_TYPES, Customer, Loan
from persistence.models.sync import ENTITY_MODELS
from streams.avro import load_codec
from streams.avro_catalog import SCHEMA_ROOT
from streams.sync_avro import SCHEMA_NAMES, camel, from_avro, schema_name, to_avro, to_row
from streams.sync_events import entity_updated_events
from tests.unit.sync_samples import entity_samples

TS = datetime(2026, 11, 29, 1, 2, 3, 456000, tzinfo=UTC)


@pytest.mark.parametrize("entity_type", sorted(ENTITY_TYPES))
def test_schema_file_lists_exactly_the_entity_fields(entity_type: str) -> None:
    cls = ENTITY_TYPES[entity_type]
    path = SCHEMA_ROOT / "sync" / f"{cls.__name__}.avsc"
    schema = json.loads(path.read_text())
    assert f"{schema['namespace']}.{schema['name']}" == SCHEMA_NAMES[entity_type]
    assert {f["name"] for f in schema["fields"]} == {camel(f.name) for f in fields(cls)}


@pytest.mark.parametrize("entity_type", sorted(ENTITY_TYPES))
def test_model_columns_are_the_entity_fields_plus_sync_columns(entity_type: str) -> None:
    columns = {c.name for c in ENTITY_MODELS[entity_type].__table__.columns}
    extra = {"last_synced_at"} | ({"name_folded"} if entity_type == "customer" else set())
    assert columns == {f.name for f in fields(ENTITY_TYPES[entity_type])} | extra


def test_every_entity_round_trips_through_avro() -> None:
    codec = load_codec()
    for entity in entity_samples(TS):
        name, record = codec.decode(codec.encode(schema_name(entity), to_avro(entity)))
        assert from_avro(name, record) == entity


def test_customer_row_carries_the_folded_name() -> None:
    customer = next(e for e in entity_samples(TS) if isinstance(e, Customer))
    row = to_row(customer, TS)
    assert row["name_folded"] == "nguyen van an" and row["last_synced_at"] == TS


def item(entity: Any) -> Item:
    return Item(event=None, entity=entity, value=b"")  # type: ignore[arg-type]


def test_newest_source_time_wins_whatever_the_arrival_order() -> None:
    loan = next(e for e in entity_samples(TS) if isinstance(e, Loan))
    newer = replace(loan, dpd=60, source_ts=TS + timedelta(seconds=5))
    older = replace(loan, dpd=10, source_ts=TS)
    same_time_later = replace(loan, dpd=61, source_ts=TS + timedelta(seconds=5))

    def dpds(items: list[Item]) -> list[int]:
        return [i.entity.dpd for i in items if isinstance(i.entity, Loan)]

    assert dpds(_newest([item(newer), item(older)])["loan"]) == [60]
    assert dpds(_newest([item(newer), item(older), item(same_time_later)])["loan"]) == [61]


def test_one_event_per_source_and_type_lists_the_keys() -> None:
    samples = entity_samples(TS)
    loan = next(e for e in samples if isinstance(e, Loan))
    card = replace(loan, account_number="W4C1", source_system="W4", source_ts=TS + timedelta(1))
    events = entity_updated_events([*samples, card], TS)
    by_key = {e.key: e for e in events}
    assert len(events) == len(samples) + 1
    assert by_key[b"W4.loan"].record["naturalKeys"] == ["W4C1"]
    assert by_key[b"T24.due_segmentation"].record["naturalKeys"] == ["AA0000000001|2025-03-01"]
    assert by_key[b"W4.loan"].row["last_source_ts"] == TS + timedelta(1)
    codec = load_codec()
    for event in events:
        codec.encode(event.schema, event.record)
