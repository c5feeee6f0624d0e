"""The Avro codec: round trips, Confluent wire format, evolution and clear errors."""

from __future__ import annotations

import io
import json
import shutil
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastavro import parse_schema, schemaless_reader

from crm.settings import Settings
from domain.sync_entities import SyncEntity, type_name
from streams.avro import (
    AvroCodec,
    AvroDecodeError,
    AvroEncodeError,
    CatalogSource,
    codec_for,
    load_codec,
)
from streams.avro_catalog import SCHEMA_ROOT, Catalog, local_schemas, register_changes
from streams.sync_avro import from_avro, schema_name, to_avro
from tests.unit.sync_samples import entity_samples

PAID_AT = datetime(2025, 3, 14, 2, 30, 15, 123000, tzinfo=UTC)
RECEIVED_AT = datetime(2025, 3, 14, 2, 30, 16, 1000, tzinfo=UTC)

SAMPLES: dict[str, dict[str, Any]] = {
    "crm.payments.PaymentNotification": {
        "referenceNumber": "FT25073ABCD1234",
        "loanAccountNumber": "LD2401234567",
        "cif": "100234",
        "amount": Decimal("1500000.00"),
        "currency": "VND",
        "paidAt": PAID_AT,
        "channel": "MOBILE",
        "payer": "NGUYEN VAN A",
        "source": "GATEWAY",
        "receivedAt": RECEIVED_AT,
        "enteredBy": None,
        "kind": "PAYMENT",
        "originalReferenceNumber": None,
        "note": None,
    },
    "crm.payments.PaymentEvent": {
        "eventId": "payment-received:FT25073ABCD1234",
        "eventType": "PAYMENT_RECEIVED",
        "occurredAt": RECEIVED_AT,
        "referenceNumber": "FT25073ABCD1234",
        "loanAccountNumber": "LD2401234567",
        "cif": "100234",
        "amount": Decimal("1500000.00"),
        "currency": "VND",
        "status": "APPLIED",
        "reason": None,
        "reversalReferenceNumber": None,
        "allocation": [
            {"component": "PENALTY", "dueDate": date(2025, 2, 15), "amount": Decimal("25000.50")},
            {"component": "INTEREST", "dueDate": date(2025, 2, 15), "amount": Decimal("474999.50")},
            {"component": "PRINCIPAL", "dueDate": None, "amount": Decimal("1000000.00")},
        ],
        "paidAt": PAID_AT,
    },
    "crm.sync.SyncEvent": {
        "eventId": "job-42:completed",
        "eventType": "SYNC_COMPLETED",
        "occurredAt": PAID_AT,
        "sourceSystem": "T24",
        "entityType": "customer",
        "naturalKey": None,
        "jobId": "job-42",
        "recordCount": 3_000_000,
        "message": "full load finished",
        "naturalKeys": ["CIF000000001", "CIF000000002"],
        "lastSourceTs": PAID_AT,
    },
    "crm.workflow.WorkflowEvent": {
        "eventId": "action:7f1c",
        "eventType": "PROMISE_CREATED",
        "occurredAt": PAID_AT,
        "cif": "100234",
        "accountNumber": "LD2401234567",
        "agentId": "agent-17",
        "actorUserId": "u-17",
        "payload": {"promisedAmount": "1500000.00", "promisedDate": "2025-03-20"},
    },
    "crm.workflow.RecordAction": {
        "actionId": "0b6f5c3e-8d4e-4a51-9a57-2c9f3f0f7a11",
        "cif": "100234",
        "accountNumber": "LD2401234567",
        "actionType": "VISIT",
        "subtype": "FIELD_VISIT",
        "result": "PROMISE_TO_PAY",
        "contactedParty": "CUSTOMER",
        "referenceCif": None,
        "occurredAt": PAID_AT,
        "notes": "Gặp khách tại nhà",
        "callTraceId": None,
        "location": {"latitude": Decimal("21.028511"), "longitude": Decimal("105.804817")},
        "promise": {
            "amount": Decimal("1500000.00"),
            "currency": "VND",
            "dueDate": date(2025, 3, 20),
        },
        "userId": "u-17",
        "agentId": "AG-17",
        "submittedAt": PAID_AT,
    },
    "crm.workflow.CustomerAssignment": {
        "cif": "100234",
        "assignmentId": 42,
        "agentId": "AG-17",
        "agentUserId": "u-17",
        "teamCode": "HN-01",
        "assignedAt": PAID_AT,
    },
    "crm.workflow.RecordResult": {
        "actionId": "0b6f5c3e-8d4e-4a51-9a57-2c9f3f0f7a11",
        "cif": "100234",
        "accountNumber": None,
        "result": "PROMISE_TO_PAY",
        "notes": None,
        "promise": {
            "amount": Decimal("2000000.00"),
            "currency": "VND",
            "dueDate": date(2025, 3, 25),
        },
        "userId": "u-17",
        "recordedAt": PAID_AT,
    },
    "crm.workflow.PromiseDue": {"cif": "100234", "asOf": date(2025, 3, 21), "issuedAt": PAID_AT},
    "crm.workflow.ApprovePromise": {
        "cif": "100234",
        "promiseId": "0b6f5c3e-8d4e-4a51-9a57-2c9f3f0f7a11",
        "approverUserId": "u-3",
        "approvedAt": PAID_AT,
    },
    "crm.workflow.TeamLead": {"teamCode": "HN-01", "leadUserId": "u-3", "changedAt": PAID_AT},
    "crm.workflow.ChangeCaseStatus": {
        "caseActionId": "7d1e2f40-3b5a-4c6d-8e9f-0a1b2c3d4e5f",
        "cif": "100234",
        "processingState": "CONTACT",
        "substate": "FIRST_CONTACT",
        "customerStatus": "COOPERATIVE",
        "note": "Reached at work; will call back.",
        "userId": "u-17",
        "agentId": "AG-0042",
        "requestedAt": PAID_AT,
    },
    "crm.auth.AuthEvent": {
        "eventId": "login:s-991",
        "eventType": "LOGIN_FAILED",
        "occurredAt": PAID_AT,
        "userId": None,
        "username": "an.nguyen",
        "sessionId": None,
        "ipAddress": "10.1.2.3",
        "userAgent": "Mozilla/5.0",
        "reason": "bad password",
        "details": {"attempt": "3"},
    },
    "crm.auth.Revocation": {
        "sessionId": "5f0c8a2e-9d1b-4a59-9a57-2f4e8c1d7b10",
        "userId": "agent1",
        "revokedAt": PAID_AT,
        "expiresAt": PAID_AT,
        "reason": "LOGOUT",
    },
    # One of each synchronized entity, as the sync service publishes them.
    **{schema_name(e): to_avro(e) for e in entity_samples(PAID_AT)},
}


@pytest.fixture(scope="module")
def codec() -> AvroCodec:
    return load_codec(SCHEMA_ROOT)


def test_every_schema_has_a_sample() -> None:
    assert set(SAMPLES) == set(local_schemas())


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_round_trip_keeps_decimals_and_aware_times(codec: AvroCodec, name: str) -> None:
    decoded_name, record = codec.decode(codec.encode(name, SAMPLES[name]))
    assert decoded_name == name
    assert record == SAMPLES[name]
    times = [v for v in record.values() if isinstance(v, datetime)]
    assert times and all(t.tzinfo is not None for t in times)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_wire_format_header_carries_the_catalog_id(codec: AvroCodec, name: str) -> None:
    data = codec.encode(name, SAMPLES[name])
    assert data[0] == 0
    assert int.from_bytes(data[1:5], "big") == Catalog.load().versions(name)[-1].id


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_repository_files_alone_decode_the_bytes(codec: AvroCodec, name: str) -> None:
    data = codec.encode(name, SAMPLES[name])
    catalog = json.loads((SCHEMA_ROOT / "catalog.json").read_text())
    entry = next(e for e in catalog["schemas"] if e["id"] == int.from_bytes(data[1:5], "big"))
    path = SCHEMA_ROOT / "history" / entry["name"] / f"{entry['id']}.avsc"
    writer = parse_schema(json.loads(path.read_text()))
    assert schemaless_reader(io.BytesIO(data[5:]), writer) == SAMPLES[name]


def test_omitted_optional_fields_take_their_defaults(codec: AvroCodec) -> None:
    sample = SAMPLES["crm.payments.PaymentNotification"]
    minimal = {k: v for k, v in sample.items() if k not in {"cif", "payer", "kind", "enteredBy"}}
    _, record = codec.decode(codec.encode("crm.payments.PaymentNotification", minimal))
    assert record["kind"] == "PAYMENT"
    assert record["cif"] is None


def test_codec_for_is_cached_per_process() -> None:
    assert codec_for(Settings()) is codec_for(Settings())


def _evolve(tmp_path: Path) -> Path:
    """Copy the schemas and add an optional field to PaymentEvent as version 2."""
    root = tmp_path / "avro"
    shutil.copytree(SCHEMA_ROOT, root)
    path = root / "payments" / "PaymentEvent.avsc"
    schema = json.loads(path.read_text())
    schema["fields"].append({"name": "branchCode", "type": ["null", "string"], "default": None})
    path.write_text(json.dumps(schema, indent=2))
    assert all(not problems for _, _, problems in register_changes(root))
    return root


def test_old_writer_decodes_with_the_current_reader(codec: AvroCodec, tmp_path: Path) -> None:
    old_bytes = codec.encode("crm.payments.PaymentEvent", SAMPLES["crm.payments.PaymentEvent"])
    new_codec = load_codec(_evolve(tmp_path))
    name, record = new_codec.decode(old_bytes)
    assert name == "crm.payments.PaymentEvent"
    assert record == {**SAMPLES["crm.payments.PaymentEvent"], "branchCode": None}
    new_bytes = new_codec.encode(name, {**record, "branchCode": "HN001"})
    assert int.from_bytes(new_bytes[1:5], "big") == max(e.id for e in Catalog.load().entries) + 1


def test_current_reader_ignores_fields_of_a_newer_writer(codec: AvroCodec, tmp_path: Path) -> None:
    evolved = _evolve(tmp_path)
    record = {**SAMPLES["crm.payments.PaymentEvent"], "branchCode": "HN001"}
    new_bytes = load_codec(evolved).encode("crm.payments.PaymentEvent", record)
    # A consumer still on version 1 that can look version 2 up (as from a registry).
    old_consumer = AvroCodec(CatalogSource(evolved), local_schemas(SCHEMA_ROOT))
    decoded = old_consumer.decode(new_bytes)
    assert decoded == ("crm.payments.PaymentEvent", SAMPLES["crm.payments.PaymentEvent"])


@pytest.mark.parametrize("entity", entity_samples(PAID_AT), ids=type_name)
def test_an_entity_read_in_the_current_version_encodes_to_the_bytes_it_came_in(
    codec: AvroCodec, entity: SyncEntity
) -> None:
    # sync.apply passes such bytes on instead of encoding the entity again.
    data = codec.encode(schema_name(entity), to_avro(entity))
    name, record = codec.decode(data)
    assert codec.is_current(data)
    assert codec.encode(name, to_avro(from_avro(name, record))) == data


def test_bytes_of_another_schema_version_are_not_current(codec: AvroCodec, tmp_path: Path) -> None:
    old_bytes = codec.encode("crm.payments.PaymentEvent", SAMPLES["crm.payments.PaymentEvent"])
    new_codec = load_codec(_evolve(tmp_path))
    new_codec.decode(old_bytes)
    assert not new_codec.is_current(old_bytes)
    codec.decode(old_bytes)
    assert codec.is_current(old_bytes)


def test_bytes_never_decoded_are_not_current(codec: AvroCodec) -> None:
    assert not load_codec(SCHEMA_ROOT).is_current(_valid())
    assert not codec.is_current(b"")


def test_changed_schema_without_catalog_entry_refuses_to_encode(tmp_path: Path) -> None:
    root = tmp_path / "avro"
    shutil.copytree(SCHEMA_ROOT, root)
    path = root / "sync" / "SyncEvent.avsc"
    path.write_text(path.read_text().replace('"message"', '"detail"'))
    with pytest.raises(AvroEncodeError, match="crm schemas register"):
        load_codec(root).encode("crm.sync.SyncEvent", SAMPLES["crm.sync.SyncEvent"])


PAYMENT = SAMPLES["crm.payments.PaymentNotification"]


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({**PAYMENT, "amount": 1500000.0}, "amount"),
        ({**PAYMENT, "amount": Decimal("1.005")}, "[Ss]cale"),
        ({**PAYMENT, "amount": Decimal("10000000000000000.00")}, "precision"),
        ({**PAYMENT, "amount": Decimal("NaN")}, "precision"),
        ({**PAYMENT, "paidAt": datetime(2025, 3, 14, 9, 30)}, "naive"),
        ({**PAYMENT, "channel": "CARRIER_PIGEON"}, "CARRIER_PIGEON"),
        ({k: v for k, v in PAYMENT.items() if k != "referenceNumber"}, "referenceNumber"),
        ({**PAYMENT, "amoutn": Decimal("1.00")}, "amoutn"),
    ],
)
def test_invalid_records_are_refused_with_the_reason(
    codec: AvroCodec, record: dict[str, Any], reason: str
) -> None:
    with pytest.raises(AvroEncodeError, match=reason):
        codec.encode("crm.payments.PaymentNotification", record)


def test_unknown_schema_name_is_refused(codec: AvroCodec) -> None:
    with pytest.raises(AvroEncodeError, match=r"no schema named crm\.payments\.Nope"):
        codec.encode("crm.payments.Nope", {})


def _valid() -> bytes:
    return load_codec(SCHEMA_ROOT).encode("crm.payments.PaymentNotification", PAYMENT)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "truncated data: 0 bytes"),
        (b"\x00\x00\x00", "truncated data: 3 bytes"),
        (b"\x01" + _valid()[1:], "bad magic byte 0x01"),
        (b"\x00\x00\x00\x03\xe7" + _valid()[5:], "unknown schema id 999"),
        (_valid()[:-3], "truncated data: crm.payments.PaymentNotification"),
        (_valid() + b"\x00", "1 bytes after the record"),
        (b'{"referenceNumber": "FT1"}', "bad magic byte 0x7b"),
    ],
)
def test_undecodable_bytes_are_refused_with_the_reason(
    codec: AvroCodec, data: bytes, reason: str
) -> None:
    with pytest.raises(AvroDecodeError, match=reason.replace("(", r"\(")):
        codec.decode(data)


def test_codec_errors_are_value_errors() -> None:
    assert issubclass(AvroEncodeError, ValueError)
    assert issubclass(AvroDecodeError, ValueError)
