"""Commands reach their handlers in runs of one type, in offset order."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from streams.avro import AvroCodec, load_codec
from streams.avro_catalog import SCHEMA_ROOT
from streams.commands import COMMAND_HEADER, parsed_command, runs_by_type
from streams.dlq import BadMessage


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


def _due(key: bytes, codec: AvroCodec) -> Any:
    record = {"cif": "100234", "asOf": date(2025, 3, 21), "issuedAt": datetime.now(UTC)}
    value = codec.encode("crm.workflow.PromiseDue", record)
    return SimpleNamespace(message=SimpleNamespace(key=key, value=value))


def test_a_command_is_decoded_checked_against_its_key_and_parsed() -> None:
    codec = load_codec(SCHEMA_ROOT)
    event = _due(b"100234", codec)
    assert parsed_command(codec, event, "crm.workflow.PromiseDue", lambda r: r["asOf"]) == date(
        2025, 3, 21
    )
    # Another customer's key, another schema, or a record the domain refuses: bad messages.
    for bad, schema, parse in (
        (_due(b"999", codec), "crm.workflow.PromiseDue", dict),
        (event, "crm.workflow.ApprovePromise", dict),
        (event, "crm.workflow.PromiseDue", lambda r: r["missing"]),
    ):
        with pytest.raises(BadMessage):
            parsed_command(codec, bad, schema, parse)
