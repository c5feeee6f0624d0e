"""Create the CRM's Kafka topics and Kafka Connect's internal topics (idempotent)."""

from __future__ import annotations

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

from crm.settings import Settings
from streams.topics import CONNECT_INTERNAL, TopicSpec, all_topics, partitions_of


def _new_topic(settings: Settings, spec: TopicSpec, name: str) -> NewTopic:
    return NewTopic(
        name,
        num_partitions=partitions_of(spec, settings),
        replication_factor=settings.topic_replication,
        config=spec.config(),
    )


def wanted_topics(settings: Settings) -> list[NewTopic]:
    """The CRM topics (with the settings' prefix) plus Connect's own (never prefixed)."""
    topics = [_new_topic(settings, spec, settings.topic(spec.name)) for spec in all_topics()]
    # Connect's topics are shared by the one Connect cluster, whatever prefix a test uses.
    topics += [_new_topic(settings, spec, spec.name) for spec in CONNECT_INTERNAL]
    return topics


def check_partitions(topics: list[NewTopic], existing: dict[str, int]) -> None:
    """Co-partitioned agents and table_route break silently if counts drift: refuse."""
    wrong = [
        f"{t.topic} has {existing[t.topic]} partitions, the settings say {t.num_partitions}"
        for t in topics
        if t.topic in existing and existing[t.topic] != t.num_partitions
    ]
    if wrong:
        raise RuntimeError("topic partition counts differ: " + "; ".join(wrong))


def create_topics(settings: Settings) -> None:
    """Create every missing topic; existing ones must have the partitions the settings say."""
    admin = AdminClient({"bootstrap.servers": settings.kafka_bootstrap})
    topics = wanted_topics(settings)
    metadata = admin.list_topics(timeout=10).topics
    existing = {name: len(meta.partitions) for name, meta in metadata.items()}
    check_partitions(topics, existing)
    missing = [t for t in topics if t.topic not in existing]
    if not missing:
        print(f"topics: all {len(topics)} exist")
        return
    failures: list[str] = []
    for name, future in admin.create_topics(missing, request_timeout=30).items():
        try:
            future.result()
            print(f"created topic {name}")
        except KafkaException as exc:
            error = exc.args[0]
            # Another process may have created it between our listing and our request.
            if isinstance(error, KafkaError) and error.code() == KafkaError.TOPIC_ALREADY_EXISTS:
                continue
            failures.append(f"{name}: {error}")
    if failures:
        raise RuntimeError("could not create topics: " + "; ".join(failures))
