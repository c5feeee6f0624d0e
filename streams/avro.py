"""One Avro codec for every topic, in Confluent wire format: 0, 4-byte schema id, Avro body."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Protocol, cast

from fastavro import parse_schema, schemaless_reader, schemaless_writer
from fastavro.read import SchemaResolutionError

from crm.settings import Settings
from streams.avro_catalog import SCHEMA_ROOT, Catalog, LocalSchema, fingerprint, local_schemas
from streams.avro_cli import catalog_cli
from streams.avro_registry import RegistrySource

__all__ = [
    "AvroCodec",
    "AvroDecodeError",
    "AvroEncodeError",
    "CatalogSource",
    "catalog_cli",
    "codec_for",
    "load_codec",
]

MAGIC = 0
HEADER_SIZE = 5


class AvroEncodeError(ValueError):
    """A record does not fit its schema, or the schema has no id yet."""


class AvroDecodeError(ValueError):
    """Bytes are not a record this codec can read."""


class SchemaSource(Protocol):
    """Where wire-format schema ids come from: the committed catalog or a schema registry."""

    def id_for(self, local: LocalSchema) -> int:
        """Return the id of this exact schema text, raising LookupError if it has none."""

    def schema_text(self, schema_id: int) -> str | None:
        """Return the writer schema of an id, None if the id is unknown."""


class CatalogSource:
    """Ids and historical schemas from schemas/avro/catalog.json and history/."""

    def __init__(self, root: Path = SCHEMA_ROOT) -> None:
        self._catalog = Catalog.load(root)

    def id_for(self, local: LocalSchema) -> int:
        """Return the latest catalog id, which must be this file's version."""
        versions = self._catalog.versions(local.name)
        if not versions or versions[-1].fingerprint != local.fingerprint:
            raise LookupError(f"{local.name} changed since the catalog; run `crm schemas register`")
        return versions[-1].id

    def schema_text(self, schema_id: int) -> str | None:
        """Return the text kept in history/ for an id."""
        entry = self._catalog.by_id(schema_id)
        if entry is None:
            return None
        return self._catalog.history_path(entry).read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class _Writer:
    header: bytes
    schema: dict[str, Any]
    # Top-level fields checked before writing: fastavro reads a naive datetime as UTC and
    # does not enforce decimal precision, both of which would silently corrupt data.
    timestamps: tuple[str, ...]
    decimal_limits: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True, slots=True)
class _Reader:
    name: str
    writer: dict[str, Any]
    # None when writer and reader are the same version, which skips schema resolution.
    reader: dict[str, Any] | None


class AvroCodec:
    """Encode and decode records of the repository's schemas; safe to share across agents."""

    def __init__(self, source: SchemaSource, schemas: Mapping[str, LocalSchema]) -> None:
        self._source = source
        self._local = dict(schemas)
        self._parsed = {name: _parse(s.schema) for name, s in schemas.items()}
        self._writers: dict[str, _Writer] = {}
        self._readers: dict[int, _Reader] = {}

    def encode(self, full_name: str, record: Mapping[str, Any]) -> bytes:
        """Return the wire-format bytes of a record of the named schema."""
        writer = self._writers.get(full_name) or self._writer(full_name)
        for field in writer.timestamps:
            value = record.get(field)
            if isinstance(value, datetime) and value.tzinfo is None:
                raise AvroEncodeError(f"{full_name}.{field}: naive datetime, expected aware UTC")
        for field, limit in writer.decimal_limits:
            value = record.get(field)
            if isinstance(value, Decimal) and not (value.is_finite() and -limit < value < limit):
                raise AvroEncodeError(f"{full_name}.{field}: {value} exceeds the precision")
        out = io.BytesIO()
        out.write(writer.header)
        try:
            # Unknown fields are refused (a typo would otherwise vanish); omitted ones with a
            # default take it.
            schemaless_writer(out, writer.schema, record, strict_allow_default=True)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
            raise AvroEncodeError(f"{full_name}: {exc}") from exc
        return out.getvalue()

    def decode(self, data: bytes) -> tuple[str, dict[str, Any]]:
        """Return the writer's schema name and the record read with the current local schema."""
        if len(data) < HEADER_SIZE:
            raise AvroDecodeError(f"truncated data: {len(data)} bytes, the header alone is 5")
        if data[0] != MAGIC:
            raise AvroDecodeError(f"bad magic byte {data[0]:#04x}, expected 0x00")
        schema_id = int.from_bytes(data[1:HEADER_SIZE], "big")
        reader = self._readers.get(schema_id) or self._reader(schema_id)
        body = io.BytesIO(data)
        body.seek(HEADER_SIZE)
        try:
            record = schemaless_reader(body, reader.writer, reader.reader)
        except EOFError as exc:
            raise AvroDecodeError(f"truncated data: {reader.name} id {schema_id}") from exc
        except (ValueError, TypeError, KeyError, IndexError, SchemaResolutionError) as exc:
            raise AvroDecodeError(f"{reader.name} id {schema_id}: {exc!r}") from exc
        if not isinstance(record, dict):
            raise AvroDecodeError(f"{reader.name} id {schema_id}: not a record schema")
        if body.tell() != len(data):
            extra = len(data) - body.tell()
            raise AvroDecodeError(f"{reader.name} id {schema_id}: {extra} bytes after the record")
        return reader.name, record

    def is_current(self, data: bytes) -> bool:
        """Whether `data`, read by decode before, was written with the local schema version.

        Encoding what decode returned for such data gives the same bytes back, so a record
        passed on unchanged can be passed on as it came (tests/unit/test_avro_codec.py).
        """
        reader = self._readers.get(int.from_bytes(data[1:HEADER_SIZE], "big"))
        return reader is not None and reader.reader is None and data[0] == MAGIC

    def _writer(self, full_name: str) -> _Writer:
        local = self._local.get(full_name)
        if local is None:
            raise AvroEncodeError(f"no schema named {full_name} in schemas/avro")
        try:
            schema_id = self._source.id_for(local)
        except LookupError as exc:
            raise AvroEncodeError(str(exc)) from exc
        fields = local.schema["fields"]
        writer = _Writer(
            header=bytes([MAGIC]) + schema_id.to_bytes(4, "big"),
            schema=self._parsed[full_name],
            timestamps=tuple(
                f["name"] for f in fields if _logical(f["type"]) == "timestamp-millis"
            ),
            decimal_limits=tuple(
                (f["name"], _decimal_limit(f["type"]))
                for f in fields
                if _logical(f["type"]) == "decimal"
            ),
        )
        self._writers[full_name] = writer
        return writer

    def _reader(self, schema_id: int) -> _Reader:
        text = self._source.schema_text(schema_id)
        if text is None:
            raise AvroDecodeError(f"unknown schema id {schema_id}")
        schema = json.loads(text)
        writer = _parse(schema)
        name = writer["name"]
        local = self._local.get(name)
        if local is None:
            raise AvroDecodeError(f"schema id {schema_id} is {name}, which has no local schema")
        same = fingerprint(schema) == local.fingerprint
        reader = _Reader(name, writer, None if same else self._parsed[name])
        self._readers[schema_id] = reader
        return reader


def _parse(schema: dict[str, Any]) -> dict[str, Any]:
    return cast(dict[str, Any], parse_schema(schema))


def _logical(schema: Any) -> str | None:
    return schema.get("logicalType") if isinstance(schema, dict) else None


def _decimal_limit(schema: dict[str, Any]) -> Decimal:
    return Decimal(10) ** (schema["precision"] - schema.get("scale", 0))


def load_codec(root: Path = SCHEMA_ROOT, registry_url: str | None = None) -> AvroCodec:
    """Build a codec from a schema directory, with ids from its catalog or a registry."""
    source: SchemaSource = (
        CatalogSource(root) if registry_url is None else RegistrySource(registry_url)
    )
    return AvroCodec(source, local_schemas(root))


@cache
def _cached_codec(registry_url: str | None) -> AvroCodec:
    return load_codec(SCHEMA_ROOT, registry_url)


def codec_for(settings: Settings) -> AvroCodec:
    """Return the process's codec: schemas parsed and ids looked up once, then reused."""
    return _cached_codec(settings.schema_registry_url)
