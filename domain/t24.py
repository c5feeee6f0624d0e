"""T24 XMLRECORD parsing: positional fields with multi-values and sub-values."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # DTDs are refused before parsing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from domain.errors import ValidationError

# A T24 record is a few KB; anything near a megabyte is corruption or an attack.
MAX_RECORD_BYTES = 1024 * 1024
# Entity expansion (billion laughs, external entities) needs a DTD; T24 never sends one.
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_FIELD_TAG = re.compile(r"^c([1-9][0-9]{0,4})$")
_INDEX = re.compile(r"^[1-9][0-9]{0,4}$")
_DATE = re.compile(r"^[0-9]{8}$")


class T24FormatError(ValidationError):
    """A T24 record that cannot be read as XMLRECORD."""

    code = "UNPARSABLE_RECORD"


@dataclass(frozen=True)
class T24Record:
    """One parsed T24 record: values keyed by (position, multi-value, sub-value)."""

    recid: str
    cells: Mapping[tuple[int, int, int], str]

    def value(self, pos: int, m: int = 1, s: int = 1) -> str | None:
        """Return one cell, or None when the record does not carry it."""
        return self.cells.get((pos, m, s))

    def values(self, pos: int) -> list[str]:
        """Return sub-value 1 of every multi-value of a field, gaps as ""."""
        present = [m for (p, m, _s) in self.cells if p == pos]
        if not present:
            return []
        return [self.cells.get((pos, m, 1), "") for m in range(1, max(present) + 1)]


def _index(raw: str | None, name: str, recid: str) -> int:
    if raw is None:
        return 1
    if not _INDEX.match(raw):
        raise T24FormatError(f"record {recid}: {name}={raw!r} is not a positive index", field=name)
    return int(raw)


def parse_record(recid: str, xml: str) -> T24Record:
    """Parse a RECID + XMLRECORD pair, or raise T24FormatError."""
    if len(xml.encode("utf-8")) > MAX_RECORD_BYTES:
        raise T24FormatError(f"record {recid} is larger than 1 MB", field="XMLRECORD")
    if _DTD.search(xml):
        raise T24FormatError(f"record {recid} declares a DTD or entity", field="XMLRECORD")
    try:
        root = ET.fromstring(xml)  # noqa: S314 - size and DTD checked above
    except ET.ParseError as exc:
        raise T24FormatError(
            f"record {recid} is not well-formed XML: {exc}", field="XMLRECORD"
        ) from exc
    if root.tag != "row":
        raise T24FormatError(f"record {recid}: root is <{root.tag}>, not <row>", field="XMLRECORD")
    # The id attribute is optional in stored XMLRECORDs; when present it must agree.
    row_id = root.get("id")
    if row_id is not None and row_id != recid:
        raise T24FormatError(f"record {recid}: row id {row_id!r} differs from RECID", field="RECID")
    cells: dict[tuple[int, int, int], str] = {}
    for child in root:
        match = _FIELD_TAG.match(child.tag)
        if match is None:
            raise T24FormatError(
                f"record {recid}: <{child.tag}> is not a cN field", field="XMLRECORD"
            )
        key = (
            int(match.group(1)),
            _index(child.get("m"), "m", recid),
            _index(child.get("s"), "s", recid),
        )
        if key in cells:
            raise T24FormatError(
                f"record {recid}: cell c{key[0]} m={key[1]} s={key[2]} repeats", field="XMLRECORD"
            )
        cells[key] = child.text or ""
    return T24Record(recid=recid, cells=cells)


def t24_date(raw: str, field: str) -> date:
    """Parse a T24 YYYYMMDD date."""
    if not _DATE.match(raw):
        raise ValidationError(
            f"{field}: {raw!r} is not a YYYYMMDD date", field=field, code="BAD_DATE"
        )
    try:
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError as exc:
        raise ValidationError(
            f"{field}: {raw!r} is not a real date", field=field, code="BAD_DATE"
        ) from exc


def t24_amount(raw: str, field: str) -> Decimal:
    """Parse a T24 amount (plain decimal, optional thousands commas) into Decimal."""
    try:
        amount = Decimal(raw.strip().replace(",", ""))
    except InvalidOperation as exc:
        raise ValidationError(
            f"{field}: {raw!r} is not an amount", field=field, code="BAD_AMOUNT"
        ) from exc
    if not amount.is_finite():
        raise ValidationError(f"{field}: {raw!r} is not an amount", field=field, code="BAD_AMOUNT")
    return amount
