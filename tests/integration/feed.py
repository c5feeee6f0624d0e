"""Feed payment notifications straight onto Kafka, as the webhook would after validation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from confluent_kafka import Producer

from crm.settings import Settings
from domain.payments import Channel, PaymentNotification, Source
from domain.sync_entities import DueSegmentation, Loan, SyncEntity, key_text, type_name
from streams.avro import codec_for
from streams.payments import NOTIFICATION, notification_to_avro
from streams.sync_avro import schema_name, to_avro
from streams.topics import PAYMENTS_NOTIFICATIONS


def notification(ref: str, account: str, amount: Decimal) -> PaymentNotification:
    now = datetime.now(UTC)
    return PaymentNotification(
        reference_number=ref,
        loan_account_number=account,
        amount=amount,
        currency="VND",
        paid_at=now - timedelta(minutes=1),
        channel=Channel.ATM,
        source=Source.GATEWAY,
        received_at=now,
    )


def producer(settings: Settings) -> Producer:
    # murmur2_random is librdkafka's Java-compatible partitioner, the one Debezium's keys use.
    return Producer(
        {
            "bootstrap.servers": settings.kafka_bootstrap,
            "acks": "all",
            "partitioner": "murmur2_random",
            "linger.ms": 5,
        }
    )


def send_all(settings: Settings, items: list[PaymentNotification]) -> None:
    codec = codec_for(settings)
    topic = settings.topic(PAYMENTS_NOTIFICATIONS.name)
    p = producer(settings)
    failures: list[str] = []
    for n in items:
        value = codec.encode(NOTIFICATION, notification_to_avro(n))
        p.produce(
            topic,
            key=n.loan_account_number.encode(),
            value=value,
            on_delivery=lambda err, _msg: failures.append(str(err)) if err else None,
        )
        p.poll(0)
    assert p.flush(60) == 0
    assert failures == []


def send_raw(settings: Settings, key: bytes, value: bytes) -> None:
    p = producer(settings)
    p.produce(settings.topic(PAYMENTS_NOTIFICATIONS.name), key=key, value=value)
    assert p.flush(30) == 0


def send_core(settings: Settings, entities: list[SyncEntity]) -> None:
    """Publish entities to their sync.<type> topics as the sync service does (Avro, natural key)."""
    codec = codec_for(settings)
    p = producer(settings)
    failures: list[str] = []
    for entity in entities:
        p.produce(
            settings.topic(f"sync.{type_name(entity)}"),
            key=key_text(entity).encode(),
            value=codec.encode(schema_name(entity), to_avro(entity)),
            on_delivery=lambda err, _msg: failures.append(str(err)) if err else None,
        )
        p.poll(0)
    assert p.flush(60) == 0
    assert failures == []


def core_loan(account: str, outstanding: str, as_of: datetime, **kw: Any) -> Loan:
    """A loan as sync publishes it on sync.loan (the core's figures as of `as_of`)."""
    values: dict[str, Any] = {
        "source_system": "T24",
        "source_ts": as_of,
        "source_record_id": account,
        "account_number": account,
        "cif": "CIF900000001",
        "product_type": "PERSONAL_LOAN",
        "currency": "VND",
        "original_amount": Decimal("60000000"),
        "outstanding": Decimal(outstanding),
        "due_amount": Decimal("2600000"),
        "dpd": 35,
        "status": "OPEN",
    }
    values.update(kw)
    return Loan(**values)


def core_segment(
    account: str, day: date, penalty: str, interest: str, principal: str
) -> DueSegmentation:
    return DueSegmentation(
        source_system="T24",
        source_ts=datetime.now(UTC) - timedelta(hours=2),
        source_record_id=f"{account}-{day:%Y%m%d}",
        account_number=account,
        due_date=day,
        principal=Decimal(principal),
        interest=Decimal(interest),
        penalty=Decimal(penalty),
    )
