"""Topic declarations: entity topics compacted, event topics retained, counts enforced."""

from __future__ import annotations

import pytest

from crm.settings import Settings
from runtime.topics import check_partitions, wanted_topics
from streams.topics import all_topics


def test_entity_topics_are_compacted_and_event_topics_expire() -> None:
    specs = {s.name: s for s in all_topics()}
    assert specs["sync.loan"].config()["cleanup.policy"] == "compact"
    assert specs["payments.events"].config()["cleanup.policy"] == "delete"
    assert int(specs["payments.events"].config()["retention.ms"]) > 0
    assert "payments.notifications.dlq" in specs


def test_prefix_applies_to_crm_topics_but_not_to_connect_internals() -> None:
    names = {t.topic for t in wanted_topics(Settings(topic_prefix="t1."))}
    assert "t1.payments.notifications" in names
    assert "connect.configs" in names and "t1.connect.configs" not in names


def test_existing_topic_with_other_partition_count_is_refused() -> None:
    topics = wanted_topics(Settings(topic_partitions=4))
    check_partitions(topics, {"payments.events": 4})
    with pytest.raises(RuntimeError, match=r"payments\.events has 8 partitions"):
        check_partitions(topics, {"payments.events": 8})
