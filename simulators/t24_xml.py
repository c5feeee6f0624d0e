"""Write T24 XMLRECORDs by canonical field name, at the positions the field map configures.

Positions are never written here: they come from connectors/t24/field_maps.yaml, the same
file the CRM reads the records back with, so generator and reader cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from functools import cache
from xml.sax.saxutils import escape

from domain.t24 import parse_record
from domain.t24_mapping import FieldMaps, FieldSpec, TableMap, load_field_maps_file

Scalar = str | int | Decimal | date
# A field's value: one scalar, a list of multi-values (None leaves a gap), or None (absent).
FieldValue = Scalar | Sequence[Scalar | None] | None
Cell = tuple[int, int, int]
_QUOTE = {'"': "&quot;"}
_SCALARS = frozenset({str, int, Decimal, date})


@cache
def field_maps() -> FieldMaps:
    """The repository's field map, read once per process."""
    return load_field_maps_file()


def format_value(value: Scalar) -> str:
    """Render a value the way T24 stores it: YYYYMMDD dates, plain decimals."""
    if isinstance(value, str):
        return value
    if isinstance(value, date):
        return f"{value:%Y%m%d}"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _text(value: Scalar) -> str:
    text = value if type(value) is str else format_value(value)
    # Most values need no escaping; checking first is several times faster than escape().
    return escape(text) if "&" in text or "<" in text or ">" in text else text


def _cell_xml(cell: Cell, text: str) -> str:
    pos, m, s = cell
    attrs = "" if m == 1 and s == 1 else f' m="{m}"' if s == 1 else f' m="{m}" s="{s}"'
    return f"<c{pos}{attrs}>{escape(text)}</c{pos}>"


def _open_row(recid: str) -> str:
    return f'<row id="{escape(recid, _QUOTE)}">'


def cells_xml(recid: str, cells: Mapping[Cell, str]) -> str:
    """Serialize cells in position order, as T24 writes them."""
    body = "".join(_cell_xml(cell, cells[cell]) for cell in sorted(cells))
    return f"{_open_row(recid)}{body}</row>"


class Layout:
    """One table's field positions: render canonical values to XML and update records."""

    def __init__(self, table: TableMap) -> None:
        self.table = table
        self._in_order = sorted(table.fields.values(), key=lambda spec: spec.pos)

    def _spec(self, name: str) -> FieldSpec:
        spec = self.table.fields.get(name)
        if spec is None:
            raise KeyError(f"{self.table.table} has no mapped field {name!r}")
        return spec

    def render(self, recid: str, values: Mapping[str, FieldValue]) -> str:
        """The record's XML: mapped cells in position order, multi-values numbered from 1."""
        for name in values.keys() - self.table.fields.keys():
            self._spec(name)
        parts = [_open_row(recid)]
        # The generator renders millions of records: exact type checks are the cheap ones.
        for spec in self._in_order:
            value = values.get(spec.name)
            if value is None:
                continue
            pos = spec.pos
            scalar = type(value) in _SCALARS
            if scalar == spec.multi:
                raise TypeError(f"{spec.name}: pass {'a sequence' if spec.multi else 'a scalar'}")
            if scalar:
                parts.append(f"<c{pos}>{_text(value)}</c{pos}>")  # type: ignore[arg-type]
                continue
            for m, item in enumerate(value, start=1):  # type: ignore[arg-type]
                if item is not None:
                    attrs = "" if m == 1 else f' m="{m}"'
                    parts.append(f"<c{pos}{attrs}>{_text(item)}</c{pos}>")
        parts.append("</row>")
        return "".join(parts)

    def read(self, recid: str, xml: str) -> dict[str, str]:
        """Return the single-valued mapped fields a record carries, as raw text."""
        record = parse_record(recid, xml)
        out: dict[str, str] = {}
        for name, spec in self.table.fields.items():
            raw = record.value(spec.pos)
            if not spec.multi and raw is not None:
                out[name] = raw
        return out

    def update(self, recid: str, xml: str, changes: Mapping[str, Scalar | None]) -> str:
        """Rewrite single-valued fields (None removes one); every other cell is kept as is."""
        cells = dict(parse_record(recid, xml).cells)
        for name, value in changes.items():
            spec = self._spec(name)
            if spec.multi:
                raise TypeError(f"{name} is multi-valued; update() changes single values")
            if value is None:
                cells.pop((spec.pos, 1, 1), None)
            else:
                cells[(spec.pos, 1, 1)] = format_value(value)
        return cells_xml(recid, cells)


@cache
def layout(table: str) -> Layout:
    return Layout(field_maps().table(table))
