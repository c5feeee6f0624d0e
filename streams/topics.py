"""Every Kafka topic the CRM owns, declared once: name, partitions and retention policy.

Automatic topic creation is off on the broker; `crm topics` creates exactly these.
Entity topics are compacted (latest value per natural key), event topics keep a time window,
dead-letter topics keep longer so an operator has time to look.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crm.settings import Settings
from simulators.sources import SOURCES

DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True)
class TopicSpec:
    name: str
    compacted: bool = False
    retention_days: int = 7
    # None: the settings' default partition count (all co-partitioned topics share it).
    partitions: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def config(self) -> dict[str, str]:
        if self.compacted:
            cfg = {"cleanup.policy": "compact", "min.compaction.lag.ms": "60000"}
        else:
            cfg = {"cleanup.policy": "delete", "retention.ms": str(self.retention_days * DAY_MS)}
        return {**cfg, **self.extra}


PAYMENTS_NOTIFICATIONS = TopicSpec("payments.notifications", retention_days=14)
PAYMENTS_EVENTS = TopicSpec("payments.events", retention_days=30)
SYNC_COMMANDS = TopicSpec("sync.commands", retention_days=14)
SYNC_EVENTS = TopicSpec("sync.events", retention_days=30)
WORKFLOW_COMMANDS = TopicSpec("workflow.commands", retention_days=14)
WORKFLOW_EVENTS = TopicSpec("workflow.events", retention_days=30)
# Who works whom now (CIF → agent) and who leads each team: every service's row scope.
WORKFLOW_ASSIGNMENTS = TopicSpec("workflow.assignments", compacted=True)
WORKFLOW_TEAM_LEADS = TopicSpec("workflow.team-leads", compacted=True, partitions=1)
AUTH_COMMANDS = TopicSpec("auth.commands", retention_days=14)
AUTH_EVENTS = TopicSpec("auth.events", retention_days=90)
# Read whole by every worker of every service; one partition keeps ordering and start-up cheap.
# Compacted (latest per session) and time-bounded: a session cannot outlive 2 days anyway.
AUTH_REVOCATIONS = TopicSpec(
    "auth.revocations",
    compacted=True,
    partitions=1,
    extra={"cleanup.policy": "compact,delete", "retention.ms": str(2 * DAY_MS)},
)

SYNC_ENTITY_TOPICS = tuple(
    TopicSpec(f"sync.{entity}", compacted=True)
    for entity in (
        "customer",
        "phone",
        "address",
        "email",
        "loan",
        "due_segmentation",
        "collateral",
        "loan_collateral",
        "reference_customer",
    )
)

# Debezium's change topics, cdc.<source>.<table>. Connect would create them on first write,
# but a consumer subscribed before they exist only notices them at its next metadata refresh
# (minutes), so they are created up front like every other topic.
CDC_TOPICS = tuple(
    TopicSpec(f"cdc.{source.name}.{table}") for source in SOURCES for table in source.tables
)
# Debezium's notifications (snapshot started, progress, completed) per source: how a sync
# job learns that its ad-hoc snapshot finished.
CDC_NOTIFICATIONS = tuple(
    TopicSpec(f"cdc.{source.name}.notifications", partitions=1) for source in SOURCES
)
# Canonical entity changes re-keyed by the customer they belong to, so one sync worker sees
# a customer and everything hanging off it (held orphans, contact sets) in order.
SYNC_CHANGES = TopicSpec("sync.changes", retention_days=7)

SYNC_LOAN, SYNC_DUE_SEGMENTATION, SYNC_ADDRESS = (
    next(t for t in SYNC_ENTITY_TOPICS if t.name == name)
    for name in ("sync.loan", "sync.due_segmentation", "sync.address")
)

# The core's due segments (sync.due_segmentation, keyed by account|date) re-keyed by loan
# account, so the payments worker that owns a loan's ledger also sees its segments.
PAYMENTS_LOAN_SEGMENTS = TopicSpec("payments.loan-segments", retention_days=7)

# Topics consumed by an agent; each gets a dead-letter twin.
CONSUMED = (
    PAYMENTS_NOTIFICATIONS,
    PAYMENTS_EVENTS,
    PAYMENTS_LOAN_SEGMENTS,
    SYNC_LOAN,
    SYNC_DUE_SEGMENTATION,
    SYNC_ADDRESS,
    SYNC_COMMANDS,
    WORKFLOW_COMMANDS,
    AUTH_COMMANDS,
    AUTH_EVENTS,
    SYNC_CHANGES,
    *CDC_TOPICS,
)


def dead_letter(spec: TopicSpec) -> TopicSpec:
    return TopicSpec(f"{spec.name}.dlq", retention_days=30)


# Kafka Connect's own topics (distributed mode); single partition for configs is mandatory.
CONNECT_INTERNAL = (
    TopicSpec("connect.configs", compacted=True, partitions=1),
    TopicSpec("connect.offsets", compacted=True, partitions=5),
    TopicSpec("connect.status", compacted=True, partitions=5),
)


def all_topics() -> tuple[TopicSpec, ...]:
    events = (
        PAYMENTS_NOTIFICATIONS,
        PAYMENTS_EVENTS,
        SYNC_COMMANDS,
        SYNC_EVENTS,
        WORKFLOW_COMMANDS,
        WORKFLOW_EVENTS,
        WORKFLOW_ASSIGNMENTS,
        WORKFLOW_TEAM_LEADS,
        AUTH_COMMANDS,
        AUTH_EVENTS,
        AUTH_REVOCATIONS,
        SYNC_CHANGES,
        PAYMENTS_LOAN_SEGMENTS,
    )
    return (
        events
        + CDC_TOPICS
        + CDC_NOTIFICATIONS
        + SYNC_ENTITY_TOPICS
        + tuple(dead_letter(t) for t in CONSUMED)
    )


def partitions_of(spec: TopicSpec, settings: Settings) -> int:
    return spec.partitions or settings.topic_partitions
