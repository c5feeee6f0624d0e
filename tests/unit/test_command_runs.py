"""Commands reach their handlers in runs of one type, in offset order."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from streams.commands import COMMAND_HEADER, runs_by_type


def command(kind: str | None, n: int) -> Any:
    headers = [] if kind is None else [(COMMAND_HEADER, kind.encode())]
    return SimpleNamespace(message=SimpleNamespace(headers=headers, offset=n))


def test_consecutive_commands_of_a_type_form_one_run_and_order_is_kept() -> None:
    batch = [command("A", 0), command("A", 1), command("B", 2), command(None, 3), command("A", 4)]
    runs = runs_by_type(batch)
    assert [(kind, [e.message.offset for e in run]) for kind, run in runs] == [
        ("A", [0, 1]),
        ("B", [2]),
        (None, [3]),
        ("A", [4]),
    ]
