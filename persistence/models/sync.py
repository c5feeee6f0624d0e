"""Tables of the sync service (schemas sync_entities, sync_metadata)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Identity, Index, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base


class SyncError(Base):
    """A source record that could not be synchronized, with where it came from and why."""

    __tablename__ = "sync_error"
    __table_args__ = (
        # One row per Kafka message: re-delivering a failed message does not duplicate it.
        UniqueConstraint("topic", "partition", "offset"),
        Index(None, "created_at"),
        Index(None, "entity_type", "natural_key"),
        {"schema": "sync_metadata"},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    source_system: Mapped[str]
    entity_type: Mapped[str]
    natural_key: Mapped[str | None]
    reason: Mapped[str]
    # NULL when the message was not even decodable into a record.
    raw_record: Mapped[dict[str, Any] | None]
    topic: Mapped[str]
    partition: Mapped[int]
    offset: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
