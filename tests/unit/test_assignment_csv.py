"""A supervisor's bulk assignment file: every problem reported at once, with its line."""

from __future__ import annotations

import pytest

from domain.assignment_csv import MAX_LINES, BulkFileRejected, Line, parse


def problems(text: str, reason: str | None = None) -> list[tuple[int, str, str]]:
    with pytest.raises(BulkFileRejected) as caught:
        parse(text, reason)
    return [(e.line, e.field, e.code) for e in caught.value.errors]


def test_a_good_file_with_a_byte_order_mark_and_a_trailing_blank_line() -> None:
    text = "\ufeffcif,agentId,reason\r\nC1,AG-1,rebalancing\r\nC2,AG-2,\r\n\r\n"
    assert parse(text, "Q4 plan") == [
        Line(2, "C1", "AG-1", "rebalancing"),
        Line(3, "C2", "AG-2", "Q4 plan"),
    ]


def test_columns_may_come_in_any_order_and_reason_may_be_left_out() -> None:
    assert parse("agentId,cif\nAG-1,C1\n", "moved") == [Line(2, "C1", "AG-1", "moved")]


def test_every_problem_is_reported_with_its_line_and_field() -> None:
    text = "cif,agentId,reason\nC1,AG-1,ok\nbad cif,AG-1,ok\nC1,AG 2,ok\nC3,AG-3\nC4,AG-4,\n"
    assert problems(text) == [
        (3, "cif", "INVALID_CIF"),
        (4, "cif", "DUPLICATE_CIF"),
        (4, "agentId", "INVALID_AGENT"),
        (5, "line", "BAD_LINE"),
        (6, "reason", "INVALID_REASON"),
    ]


@pytest.mark.parametrize(
    "header", ["cif,reason", "cif,agentId,agentId", "cif,agentId,team", "", "customer,agent"]
)
def test_a_bad_header_is_one_problem(header: str) -> None:
    assert problems(f"{header}\nC1,AG-1,x\n") == [(1, "header", "BAD_HEADER")]


def test_a_file_without_customers() -> None:
    assert problems("cif,agentId,reason\n\n") == [(2, "file", "EMPTY_FILE")]


def test_a_file_too_long() -> None:
    lines = "".join(f"C{n},AG-1,x\n" for n in range(MAX_LINES + 1))
    assert problems("cif,agentId,reason\n" + lines)[-1] == (MAX_LINES + 2, "file", "TOO_MANY_LINES")
