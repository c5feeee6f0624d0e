"""fastavro schemaless encode and decode of a loan record with decimal and timestamp types."""

from __future__ import annotations

import io
import time

from fastavro import parse_schema, schemaless_reader, schemaless_writer

from bench.loans import LOAN_AVRO_SCHEMA, loan_record, loan_rows
from bench.report import Progress, Result, rate


def encode_decode(count: int) -> list[Result]:
    """Encode `count` loan records one by one, then decode each of them."""
    schema = parse_schema(LOAN_AVRO_SCHEMA)
    records = [loan_record(row) for row in loan_rows(count)]
    # One message per record, as an agent sees them; a shared buffer would hide per-call cost.
    encoded: list[bytes] = []
    progress = Progress("avro encode", count)
    started = time.perf_counter()
    for i, record in enumerate(records):
        buf = io.BytesIO()
        schemaless_writer(buf, schema, record)
        encoded.append(buf.getvalue())
        if i % 20_000 == 0:
            progress.update(i)
    encode_s = time.perf_counter() - started
    progress.update(count)

    progress = Progress("avro decode", count)
    started = time.perf_counter()
    for i, payload in enumerate(encoded):
        decoded = schemaless_reader(io.BytesIO(payload), schema, None)
        if i % 20_000 == 0:
            progress.update(i)
    decode_s = time.perf_counter() - started
    progress.update(count)
    if decoded != records[-1]:
        raise AssertionError("fastavro round trip changed the last record")
    size = sum(len(p) for p in encoded) / max(count, 1)
    note = f"{size:.0f} bytes per record"
    return [
        Result("fastavro schemaless encode", rate(count, encode_s), "records/s", note=note),
        Result("fastavro schemaless decode", rate(count, decode_s), "records/s", note=note),
    ]
