"""Avro schema resolution rules, and every committed schema against its previous version."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest

from streams.avro_catalog import Catalog, local_schemas
from streams.avro_compat import backward_problems, forward_problems, full_problems, lint

MONEY = {"type": "bytes", "logicalType": "decimal", "precision": 18, "scale": 2}
CHANNEL = {"type": "enum", "name": "Channel", "symbols": ["ATM", "UNKNOWN"], "default": "UNKNOWN"}


def record(*fields: dict[str, Any], name: str = "Payment") -> dict[str, Any]:
    return {"type": "record", "name": name, "namespace": "crm.test", "fields": list(fields)}


def field(name: str, type_: Any, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, **extra}


BASE = record(field("ref", "string"), field("amount", MONEY))
OPTIONAL_NOTE = field("note", ["null", "string"], default=None)
WITH_ENUM = record(field("ref", "string"), field("channel", CHANNEL))
MORE_SYMBOLS = {**CHANNEL, "symbols": ["ATM", "MOBILE", "UNKNOWN"]}
NO_DEFAULT = {k: v for k, v in CHANNEL.items() if k != "default"}

# (name, new schema, old schema, backward ok, forward ok)
CASES = [
    ("identical", BASE, BASE, True, True),
    ("add optional field", record(*BASE["fields"], OPTIONAL_NOTE), BASE, True, True),
    ("remove optional field", BASE, record(*BASE["fields"], OPTIONAL_NOTE), True, True),
    ("add required field", record(*BASE["fields"], field("cif", "string")), BASE, False, True),
    ("remove required field", record(field("ref", "string")), BASE, True, False),
    ("int promoted to long", record(field("n", "long")), record(field("n", "int")), True, False),
    ("long demoted to int", record(field("n", "int")), record(field("n", "long")), False, True),
    ("string to bytes", record(field("s", "bytes")), record(field("s", "string")), True, True),
    ("string to int", record(field("s", "int")), record(field("s", "string")), False, False),
    (
        "decimal scale changed",
        record(field("amount", {**MONEY, "scale": 3})),
        record(field("amount", MONEY)),
        False,
        False,
    ),
    (
        "money as double",
        record(field("amount", "double")),
        record(field("amount", MONEY)),
        False,
        False,
    ),
    (
        "required becomes optional",
        record(field("ref", ["null", "string"], default=None)),
        record(field("ref", "string")),
        True,
        False,
    ),
    (
        "enum symbol added with default",
        record(field("ref", "string"), field("channel", MORE_SYMBOLS)),
        WITH_ENUM,
        True,
        True,
    ),
    (
        "enum symbol added without default",
        record(
            field("ref", "string"),
            field("channel", {**NO_DEFAULT, "symbols": ["ATM", "UNKNOWN", "MOBILE"]}),
        ),
        record(field("ref", "string"), field("channel", NO_DEFAULT)),
        True,
        False,
    ),
    (
        "enum symbol removed without default",
        record(field("ref", "string"), field("channel", {**NO_DEFAULT, "symbols": ["ATM"]})),
        record(field("ref", "string"), field("channel", NO_DEFAULT)),
        False,
        True,
    ),
    (
        "union branch added",
        record(field("v", ["null", "string", "long"], default=None)),
        record(field("v", ["null", "string"], default=None)),
        True,
        False,
    ),
    (
        "array items promoted",
        record(field("xs", {"type": "array", "items": "long"})),
        record(field("xs", {"type": "array", "items": "int"})),
        True,
        False,
    ),
    (
        "map values changed",
        record(field("m", {"type": "map", "values": "int"})),
        record(field("m", {"type": "map", "values": "string"})),
        False,
        False,
    ),
    ("record renamed", record(*BASE["fields"], name="Paid"), BASE, False, False),
    (
        "record renamed with alias",
        {**record(*BASE["fields"], name="Paid"), "aliases": ["Payment"]},
        BASE,
        True,
        False,
    ),
    (
        "field renamed with alias",
        record(field("reference", "string", aliases=["ref"]), field("amount", MONEY)),
        BASE,
        True,
        False,
    ),
    (
        "timestamp precision changed",
        record(field("t", {"type": "long", "logicalType": "timestamp-micros"})),
        record(field("t", {"type": "long", "logicalType": "timestamp-millis"})),
        False,
        False,
    ),
]


@pytest.mark.parametrize(
    ("new", "old", "backward", "forward"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_resolution_rules(new: Any, old: Any, backward: bool, forward: bool) -> None:
    assert (not backward_problems(new, old)) is backward
    assert (not forward_problems(new, old)) is forward


def test_problems_name_the_field_and_direction() -> None:
    new = record(*BASE["fields"], field("cif", "string"))
    assert full_problems(new, BASE) == [
        "backward: $.cif: reader's field is missing in the writer and has no default"
    ]


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        (record(field("c", NO_DEFAULT)), "needs a default symbol"),
        (record(field("n", ["null", "string"], default="x")), "does not fit"),
        (record(field("n", ["string", "null"], default=None)), "does not fit"),
        (record(field("k", CHANNEL, default="MOBILE")), "does not fit"),
        (record(field("xs", {"type": "array", "items": "int"}, default={})), "invalid schema"),
    ],
)
def test_lint_rejects_broken_contracts(schema: dict[str, Any], problem: str) -> None:
    assert any(problem in p for p in lint(schema))


@pytest.mark.parametrize("name", sorted(local_schemas()))
def test_committed_schema_follows_the_conventions(name: str) -> None:
    assert lint(local_schemas()[name].schema) == []


def test_every_committed_version_is_compatible_with_the_one_before() -> None:
    catalog = Catalog.load()
    for name in catalog.names():
        schemas = [catalog.history_schema(v) for v in catalog.versions(name)]
        for previous, latest in pairwise(schemas):
            assert full_problems(latest, previous) == [], name
