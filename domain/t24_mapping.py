"""T24 field-position maps: load the YAML configuration and read typed values from records."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from domain.errors import ValidationError
from domain.t24 import T24Record, t24_amount, t24_date

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "connectors" / "t24" / "field_maps.yaml"
# The fields an entity cannot be built without (its key and what collection needs).
REQUIRED_FIELDS: dict[str, frozenset[str]] = {
    "customer": frozenset({"cif", "name", "customer_type"}),
    "loan": frozenset(
        {"account_number", "cif", "product_type", "currency", "original_amount"}
        | {"outstanding", "due_amount", "dpd", "status"}
    ),
    "collateral": frozenset({"collateral_number", "cif", "type", "value"}),
    "due_segment": frozenset({"account_number", "due_date", "principal", "interest"}),
}
# ASCII only: str.isdigit() also accepts digits int() refuses, such as "²".
_INT = re.compile(r"^-?[0-9]{1,18}$")
_ENTRY_KEYS = frozenset({"pos", "type", "multi", "required", "values"})

Value = str | date | Decimal | int


class FieldMapError(ValueError):
    """The field-map configuration is invalid; the message names table and field."""


class FieldType(StrEnum):
    TEXT = "text"
    DATE = "date"
    AMOUNT = "amount"
    INT = "int"
    ENUM = "enum"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    pos: int
    type: FieldType
    multi: bool = False
    required: bool = False
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableMap:
    table: str
    entity: str
    record_id: str | None
    fields: Mapping[str, FieldSpec]


@dataclass(frozen=True)
class FieldMaps:
    tables: Mapping[str, TableMap]

    def table(self, name: str) -> TableMap:
        """Return one table's map; an unmapped table is a record we cannot read."""
        try:
            return self.tables[name]
        except KeyError:
            raise ValidationError(
                f"no field map for table {name}", field="table", code="UNKNOWN_TABLE"
            ) from None


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses repeated keys, which plain YAML silently overwrites."""


def _unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise FieldMapError(f"duplicate key {key!r} at line {key_node.start_mark.line + 1}")
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def _field(table: str, name: str, raw: Any) -> FieldSpec:
    where = f"{table}.{name}"
    if not isinstance(raw, dict):
        raise FieldMapError(f"{where}: entry must be a mapping")
    if unknown := set(raw) - _ENTRY_KEYS:
        raise FieldMapError(f"{where}: unknown keys {sorted(unknown)}")
    pos = raw.get("pos")
    if isinstance(pos, bool) or not isinstance(pos, int) or pos < 1:
        raise FieldMapError(f"{where}: pos must be a positive integer, got {pos!r}")
    try:
        kind = FieldType(str(raw.get("type")))
    except ValueError:
        allowed = ", ".join(t.value for t in FieldType)
        raise FieldMapError(f"{where}: type {raw.get('type')!r} is not one of {allowed}") from None
    values = raw.get("values", [])
    if kind is FieldType.ENUM and (not values or not all(isinstance(v, str) for v in values)):
        raise FieldMapError(f"{where}: an enum needs a non-empty list of string values")
    if kind is not FieldType.ENUM and values:
        raise FieldMapError(f"{where}: only enum fields take values")
    multi, required = raw.get("multi", False), raw.get("required", False)
    if not isinstance(multi, bool) or not isinstance(required, bool):
        raise FieldMapError(f"{where}: multi and required must be true or false")
    return FieldSpec(name, pos, kind, multi, required, tuple(values))


def _table(name: str, raw: Any) -> TableMap:
    if not isinstance(raw, dict) or not isinstance(raw.get("fields"), dict):
        raise FieldMapError(f"{name}: needs entity and a fields mapping")
    entity, record_id = raw.get("entity"), raw.get("record_id")
    if entity not in REQUIRED_FIELDS:
        raise FieldMapError(f"{name}: entity {entity!r} is not one of {sorted(REQUIRED_FIELDS)}")
    fields = {f: _field(name, f, spec) for f, spec in raw["fields"].items()}
    # A key field is required whatever the YAML says: without it there is no entity.
    fields = {
        f: replace(spec, required=True) if f in REQUIRED_FIELDS[entity] else spec
        for f, spec in fields.items()
    }
    owners: dict[int, str] = {}
    for spec in fields.values():
        if spec.pos in owners:
            raise FieldMapError(
                f"{name}: position {spec.pos} is mapped to both {owners[spec.pos]} and {spec.name}"
            )
        owners[spec.pos] = spec.name
    if record_id is not None and record_id in fields:
        raise FieldMapError(f"{name}: {record_id} comes from RECID and must not have a position")
    provided = set(fields) | ({record_id} if record_id else set())
    if missing := REQUIRED_FIELDS[entity] - provided:
        raise FieldMapError(f"{name}: {entity} needs fields {sorted(missing)}")
    return TableMap(name, entity, record_id, fields)


def load_field_maps(text: str) -> FieldMaps:
    """Parse and validate field-map YAML into typed table maps."""
    try:
        doc = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise FieldMapError(f"field map is not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("tables"), dict):
        raise FieldMapError("field map needs a top-level 'tables' mapping")
    return FieldMaps({name: _table(name, raw) for name, raw in doc["tables"].items()})


def load_field_maps_file(path: Path = DEFAULT_PATH) -> FieldMaps:
    """Load the field maps from a file (the repository's demo map by default)."""
    return load_field_maps(path.read_text(encoding="utf-8"))


def convert(spec: FieldSpec, raw: str) -> Value:
    """Turn one raw cell into the field's type, or raise ValidationError naming the field."""
    raw = raw.strip()
    match spec.type:
        case FieldType.DATE:
            return t24_date(raw, spec.name)
        case FieldType.AMOUNT:
            return t24_amount(raw, spec.name)
        case FieldType.INT:
            if not _INT.match(raw):
                raise ValidationError(
                    f"{spec.name}: {raw!r} is not an integer", field=spec.name, code="BAD_INT"
                )
            return int(raw)
        case FieldType.ENUM if raw not in spec.values:
            raise ValidationError(
                f"{spec.name}: {raw!r} is not one of {', '.join(spec.values)}",
                field=spec.name,
                code="UNKNOWN_ENUM",
            )
    return raw


def read(record: T24Record, spec: FieldSpec) -> Value | None:
    """Read a single-valued field; empty is None, and required-but-empty is an error."""
    raw = record.value(spec.pos)
    if raw is None or not raw.strip():
        if spec.required:
            raise ValidationError(f"{spec.name} is required", field=spec.name, code="MISSING_FIELD")
        return None
    return convert(spec, raw)


def read_multi(record: T24Record, spec: FieldSpec) -> list[Value | None]:
    """Read every multi-value of a field in order, gaps as None."""
    return [convert(spec, raw) if raw.strip() else None for raw in record.values(spec.pos)]


class TableRow:
    """Typed access to one record's fields through its table map."""

    def __init__(self, table: TableMap, record: T24Record) -> None:
        self.table = table
        self.record = record

    def get(self, name: str, kind: Any = object) -> Value | None:
        """Return a single-valued field checked against `kind`; an unmapped field is None."""
        if name == self.table.record_id:
            return self.record.recid
        spec = self.table.fields.get(name)
        value = None if spec is None or spec.multi else read(self.record, spec)
        if value is not None and not isinstance(value, kind):
            # The YAML typed a field differently from the entity: a configuration bug.
            raise FieldMapError(f"{self.table.table}.{name}: mapped type does not fit the entity")
        return value

    def multi_text(self, name: str) -> list[str | None]:
        """Return every multi-value of a field as text, gaps as None."""
        spec = self.table.fields.get(name)
        if spec is None:
            return []
        return [None if v is None else str(v) for v in read_multi(self.record, spec)]

    def multi_group(self, *names: str) -> list[dict[str, str | None]]:
        """Return fields read in step, one dict per multi-value index that has any value."""
        cols = {n: self.multi_text(n) for n in names}
        width = max((len(c) for c in cols.values()), default=0)
        rows = [{n: c[i] if i < len(c) else None for n, c in cols.items()} for i in range(width)]
        return [r for r in rows if any(r.values())]
