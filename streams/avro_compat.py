"""Avro schema resolution rules: can a reader schema read what a writer schema wrote."""

from __future__ import annotations

from typing import Any

from fastavro.schema import SchemaParseException, expand_schema

Schema = Any  # a JSON Avro schema: a type name, a list (union) or a dict

# Writer type -> reader types that can read it (Avro specification, "Schema Resolution").
PROMOTIONS: dict[str, frozenset[str]] = {
    "int": frozenset({"int", "long", "float", "double"}),
    "long": frozenset({"long", "float", "double"}),
    "float": frozenset({"float", "double"}),
    "string": frozenset({"string", "bytes"}),
    "bytes": frozenset({"bytes", "string"}),
}
NAMED = frozenset({"record", "enum", "fixed"})
# A changed logical type silently changes meaning (scale 2 -> 3 multiplies money by ten),
# so these attributes must match even where the plain Avro rules would accept the data.
LOGICAL_ATTRIBUTES = ("logicalType", "precision", "scale")


def backward_problems(new: Schema, old: Schema) -> list[str]:
    """Return why readers of `new` cannot read data written with `old` (empty if they can)."""
    return _invalid(new) or _invalid(old) or _resolve(expand_schema(new), expand_schema(old), "$")


def forward_problems(new: Schema, old: Schema) -> list[str]:
    """Return why readers of `old` cannot read data written with `new` (empty if they can)."""
    return _invalid(new) or _invalid(old) or _resolve(expand_schema(old), expand_schema(new), "$")


def _invalid(schema: Schema) -> list[str]:
    try:
        expand_schema(schema)
    except SchemaParseException as exc:
        return [f"$: invalid schema: {exc}"]
    return []


def full_problems(new: Schema, old: Schema) -> list[str]:
    """Return the backward and forward problems of replacing `old` by `new`."""
    backward = [f"backward: {p}" for p in backward_problems(new, old)]
    forward = [f"forward: {p}" for p in forward_problems(new, old)]
    return backward + forward


def _type(schema: Schema) -> str:
    if isinstance(schema, list):
        return "union"
    if isinstance(schema, dict):
        return str(schema["type"])
    return str(schema)


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _logical(schema: Schema) -> tuple[Any, ...]:
    if not isinstance(schema, dict):
        return (None, None, None)
    return tuple(schema.get(key) for key in LOGICAL_ATTRIBUTES)


def _names_match(reader: dict[str, Any], writer: dict[str, Any]) -> bool:
    aliases = {_short(alias) for alias in reader.get("aliases", ())}
    return _short(writer["name"]) in {_short(reader["name"]), *aliases}


def _resolve(reader: Schema, writer: Schema, path: str) -> list[str]:
    reader_type, writer_type = _type(reader), _type(writer)
    if writer_type == "union":
        # Every branch the writer may have used must be readable.
        return [p for branch in writer for p in _resolve(reader, branch, path)]
    if reader_type == "union":
        if any(not _resolve(branch, writer, path) for branch in reader):
            return []
        return [f"{path}: no branch of the reader's union reads the writer's {writer_type}"]
    if writer_type in NAMED or reader_type in NAMED:
        return _resolve_named(reader, writer, reader_type, writer_type, path)
    if reader_type != writer_type and reader_type not in PROMOTIONS.get(writer_type, ()):
        return [f"{path}: writer's {writer_type} cannot be read as {reader_type}"]
    if _logical(reader) != _logical(writer):
        return [f"{path}: logical type changed from {_logical(writer)} to {_logical(reader)}"]
    if reader_type == "array":
        return _resolve(reader["items"], writer["items"], f"{path}[]")
    if reader_type == "map":
        return _resolve(reader["values"], writer["values"], f"{path}{{}}")
    return []


def _resolve_named(
    reader: Schema, writer: Schema, reader_type: str, writer_type: str, path: str
) -> list[str]:
    if reader_type != writer_type:
        return [f"{path}: writer's {writer_type} cannot be read as {reader_type}"]
    if not _names_match(reader, writer):
        return [f"{path}: name {writer['name']} does not match reader's {reader['name']}"]
    if reader_type == "fixed" and reader["size"] != writer["size"]:
        return [f"{path}: fixed size changed from {writer['size']} to {reader['size']}"]
    if reader_type == "enum":
        return _resolve_enum(reader, writer, path)
    if reader_type == "record":
        return _resolve_record(reader, writer, path)
    return []


def _resolve_enum(reader: dict[str, Any], writer: dict[str, Any], path: str) -> list[str]:
    missing = [s for s in writer["symbols"] if s not in reader["symbols"]]
    if missing and "default" not in reader:
        return [f"{path}: reader's enum {reader['name']} lacks {missing} and has no default"]
    return []


def _resolve_record(reader: dict[str, Any], writer: dict[str, Any], path: str) -> list[str]:
    written = {field["name"]: field for field in writer["fields"]}
    problems: list[str] = []
    for field in reader["fields"]:
        names = [field["name"], *field.get("aliases", ())]
        source = next((written[name] for name in names if name in written), None)
        where = f"{path}.{field['name']}"
        if source is not None:
            problems += _resolve(field["type"], source["type"], where)
        elif "default" not in field:
            problems.append(f"{where}: reader's field is missing in the writer and has no default")
    return problems


def lint(schema: Schema) -> list[str]:
    """Return the contract rules a schema breaks: enum defaults and field defaults."""
    return _invalid(schema) or _lint(expand_schema(schema), "$")


def _lint(schema: Schema, path: str) -> list[str]:
    kind = _type(schema)
    if kind == "union":
        return [p for branch in schema for p in _lint(branch, path)]
    if kind == "enum" and schema.get("default") not in schema["symbols"]:
        return [f"{path}: enum {schema['name']} needs a default symbol to accept new symbols"]
    if kind == "array":
        return _lint(schema["items"], f"{path}[]")
    if kind == "map":
        return _lint(schema["values"], f"{path}{{}}")
    if kind != "record":
        return []
    problems: list[str] = []
    for field in schema["fields"]:
        where = f"{path}.{field['name']}"
        problems += _lint(field["type"], where)
        if "default" in field and not _default_fits(field["type"], field["default"]):
            problems.append(f"{where}: default {field['default']!r} does not fit the field's type")
    return problems


def _default_fits(schema: Schema, value: Any) -> bool:
    kind = _type(schema)
    # A union's default must belong to its first branch (Avro specification).
    checks: dict[str, Any] = {
        "union": lambda: _default_fits(schema[0], value),
        "null": lambda: value is None,
        "boolean": lambda: isinstance(value, bool),
        "int": lambda: isinstance(value, int) and not isinstance(value, bool),
        "long": lambda: isinstance(value, int) and not isinstance(value, bool),
        "float": lambda: isinstance(value, int | float) and not isinstance(value, bool),
        "double": lambda: isinstance(value, int | float) and not isinstance(value, bool),
        "string": lambda: isinstance(value, str),
        "bytes": lambda: isinstance(value, str),
        "fixed": lambda: isinstance(value, str),
        "enum": lambda: value in schema["symbols"],
        "array": lambda: isinstance(value, list),
        "map": lambda: isinstance(value, dict),
        "record": lambda: isinstance(value, dict),
    }
    check = checks.get(kind)
    return bool(check()) if check is not None else False
