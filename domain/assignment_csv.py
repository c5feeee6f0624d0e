"""A supervisor's bulk assignment file: CSV with a header line and one customer per line.

    cif,agentId,reason
    C000123,AG-0042,Q4 rebalancing

`reason` may be left empty when the request gives one for the whole file. Every problem in
the file is reported at once, each with its line and column, so one corrected upload
succeeds; nothing is assigned while any line is wrong.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from domain.errors import DomainError

COLUMNS = ("cif", "agentId", "reason")
MAX_LINES = 10_000
MAX_REASON = 500
CIF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{0,31}$")
AGENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    cif: str
    agent_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    field: str
    code: str
    message: str

    def json(self) -> dict[str, object]:
        return {"line": self.line, "field": self.field, "code": self.code, "message": self.message}


class BulkFileRejected(DomainError):
    """The file has errors; none of its lines was applied."""

    code = "BULK_FILE_REJECTED"

    def __init__(self, errors: list[LineError]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the file; nothing was assigned")
        self.errors = errors


def parse(text: str, default_reason: str | None) -> list[Line]:
    """The file's lines, or BulkFileRejected listing every problem found."""
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in next(rows, [])]
    missing = [c for c in COLUMNS[:2] if c not in header]
    if missing or len(set(header)) != len(header) or set(header) - set(COLUMNS):
        raise BulkFileRejected(
            [LineError(1, "header", "BAD_HEADER", f"the header must be {','.join(COLUMNS)}")]
        )
    at = {name: header.index(name) for name in header}
    lines: list[Line] = []
    errors: list[LineError] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines, e.g. the one a spreadsheet leaves at the end
        if len(lines) + len(errors) >= MAX_LINES:
            errors.append(LineError(number, "file", "TOO_MANY_LINES", f"at most {MAX_LINES}"))
            break
        if len(row) != len(header):
            errors.append(LineError(number, "line", "BAD_LINE", f"{len(header)} columns expected"))
            continue

        def cell(name: str, row: list[str] = row) -> str:
            return row[at[name]].strip() if name in at else ""

        cif, agent, reason = cell("cif"), cell("agentId"), cell("reason") or default_reason
        found = len(errors)
        if not CIF.match(cif):
            errors.append(LineError(number, "cif", "INVALID_CIF", "not a customer number"))
        elif cif in seen:
            errors.append(LineError(number, "cif", "DUPLICATE_CIF", f"also on line {seen[cif]}"))
        if not AGENT.match(agent):
            errors.append(LineError(number, "agentId", "INVALID_AGENT", "not an agent id"))
        if not reason or len(reason) > MAX_REASON or _CONTROL.search(reason):
            errors.append(
                LineError(
                    number, "reason", "INVALID_REASON", f"say why, in 1 to {MAX_REASON} chars"
                )
            )
        if len(errors) == found:
            seen[cif] = number
            lines.append(Line(number, cif, agent, reason or ""))
    if errors:
        raise BulkFileRejected(errors)
    if not lines:
        raise BulkFileRejected([LineError(2, "file", "EMPTY_FILE", "no customer in the file")])
    return lines
