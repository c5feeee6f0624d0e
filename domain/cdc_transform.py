"""From one Debezium change of a source row to the canonical entity changes it means."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from domain import los_mapping, w4_mapping
from domain.debezium import Change, required_text
from domain.errors import ValidationError
from domain.sync_entities import SyncEntity, transform, type_name
from domain.t24 import parse_record
from domain.t24_mapping import FieldMaps

log = logging.getLogger(__name__)

# Field-map entity names that differ from the canonical entity type names.
_T24_ENTITY_TYPES = {"due_segment": "due_segmentation"}

RowMapper = Callable[[dict[str, Any], datetime], list[SyncEntity]]


def _t24(maps: FieldMaps, table: str, row: dict[str, Any], source_ts: datetime) -> list[SyncEntity]:
    recid = required_text(row, "RECID", "recid")
    xml = row.get("XMLRECORD")
    if not isinstance(xml, str):
        raise ValidationError("XMLRECORD is missing", field="xmlrecord", code="MISSING_FIELD")
    return transform(table, parse_record(recid, xml), maps, source_ts)


class CdcTransform:
    """Maps each captured (source, table) to the function that reads its rows."""

    def __init__(self, field_maps: FieldMaps) -> None:
        self._mappers: dict[tuple[str, str], RowMapper] = {
            ("w4", "CARD_CONTRACT"): w4_mapping.card_contract,
            ("w4", "CLIENT_CONTACT"): w4_mapping.client_contact,
            ("los", "reference_customer"): los_mapping.reference_customer,
            ("los", "loan_collateral"): los_mapping.loan_collateral,
        }
        self._entity_types: dict[tuple[str, str], str] = {
            ("w4", "CARD_CONTRACT"): "loan",
            ("w4", "CLIENT_CONTACT"): "contact",
            ("los", "reference_customer"): "reference_customer",
            ("los", "loan_collateral"): "loan_collateral",
        }
        for table, table_map in field_maps.tables.items():
            self._mappers[("t24", table)] = partial(_t24, field_maps, table)
            self._entity_types[("t24", table)] = _T24_ENTITY_TYPES.get(
                table_map.entity, table_map.entity
            )

    def entity_type(self, source: str, table: str) -> str:
        """What a table's rows become, for errors recorded before any entity exists."""
        return self._entity_types.get((source, table), f"{source}.{table}")

    def entities(self, source: str, table: str, change: Change) -> list[SyncEntity]:
        """Return the entities a change upserts; deleted ones carry is_deleted=True.

        An update that drops a contact from a T24 customer record, or changes a W4
        contact's type, deletes the entity the before-image had and the after-image lacks.
        """
        mapper = self._mappers.get((source, table))
        if mapper is None:
            msg = f"no mapping for {source}.{table}"
            raise ValidationError(msg, field="table", code="UNKNOWN_TABLE")
        ts = change.source_ts
        if change.op == "d":
            assert change.before is not None
            return [replace(e, is_deleted=True) for e in mapper(change.before, ts)]
        assert change.after is not None
        current = mapper(change.after, ts)
        if change.op != "u" or change.before is None:
            return current
        try:
            previous = mapper(change.before, ts)
        except ValidationError as exc:
            # The old image was bad (and was rejected then); nothing of it was stored.
            log.debug("before-image of %s.%s unreadable: %s", source, table, exc)
            return current
        kept = {(type_name(e), e.natural_key()) for e in current}
        gone = [
            replace(e, is_deleted=True)
            for e in previous
            if (type_name(e), e.natural_key()) not in kept
        ]
        return current + gone
