"""Strategy tables of the workflow service (schema workflow): segments, strategies, and the
treatment each customer with an open case was given.

Segments and strategies are data an administrator changes; customer_treatment is written by
the customer's worker when it places the customer, and read by queues and by the
champion/challenger report.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Identity,
    Index,
    Numeric,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base

WORKFLOW = {"schema": "workflow"}
ARMS = "('CHAMPION', 'CHALLENGER')"
_EMPTY = text("'{}'::text[]")


class Strategy(Base):
    """A treatment: which team works the customers, how urgently, by which channels, how often."""

    __tablename__ = "strategy"
    __table_args__ = (
        CheckConstraint("priority BETWEEN 0 AND 100", name="priority_range"),
        CheckConstraint("cadence_days >= 0", name="cadence_not_negative"),
        WORKFLOW,
    )

    code: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    team_code: Mapped[str] = mapped_column(ForeignKey("agents.team.code"))
    priority: Mapped[int]
    channels: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=_EMPTY)
    cadence_days: Mapped[int] = mapped_column(server_default=text("0"))
    active: Mapped[bool] = mapped_column(server_default=text("true"))
    updated_by: Mapped[str]
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class StrategySegment(Base):
    """Which customers a strategy takes, tried in rank order; optionally split with a
    challenger strategy by a stable hash of the CIF."""

    __tablename__ = "strategy_segment"
    __table_args__ = (
        CheckConstraint("challenger_percent BETWEEN 0 AND 100", name="percent_range"),
        CheckConstraint(
            "challenger IS NOT NULL OR challenger_percent = 0", name="challenger_has_share"
        ),
        CheckConstraint(
            "min_outstanding IS NULL OR max_outstanding IS NULL"
            " OR min_outstanding <= max_outstanding",
            name="outstanding_range",
        ),
        WORKFLOW,
    )

    code: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    rank: Mapped[int] = mapped_column(unique=True)
    champion: Mapped[str] = mapped_column(ForeignKey("workflow.strategy.code"))
    challenger: Mapped[str | None] = mapped_column(ForeignKey("workflow.strategy.code"))
    challenger_percent: Mapped[int] = mapped_column(server_default=text("0"))
    buckets: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=_EMPTY)
    products: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=_EMPTY)
    # Past-due outstanding in VND, bounds inclusive.
    min_outstanding: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    max_outstanding: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    regions: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=_EMPTY)
    risk_flags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=_EMPTY)
    active: Mapped[bool] = mapped_column(server_default=text("true"))
    updated_by: Mapped[str]
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class CustomerTreatment(Base):
    """The treatment an open case's customer gets now (no row: no segment takes them)."""

    __tablename__ = "customer_treatment"
    __table_args__ = (
        CheckConstraint(f"arm IN {ARMS}", name="arm"),
        # The champion/challenger report groups by segment and arm.
        Index(None, "segment_code", "arm"),
        # Filling queues looks for the team's customers nobody works yet.
        Index(None, "team_code"),
        WORKFLOW,
    )

    cif: Mapped[str] = mapped_column(primary_key=True)
    segment_code: Mapped[str]
    strategy_code: Mapped[str]
    arm: Mapped[str]
    team_code: Mapped[str]
    priority: Mapped[int]
    channels: Mapped[list[str]] = mapped_column(ARRAY(Text))
    cadence_days: Mapped[int]
    bucket: Mapped[str]
    decided_at: Mapped[dt.datetime]


class CustomerAddress(Base):
    """Where the core says a customer lives, per address type: the strategy's region is the
    primary address's province (sync.address, newest source record wins)."""

    __tablename__ = "customer_address"
    __table_args__ = (WORKFLOW,)

    cif: Mapped[str] = mapped_column(primary_key=True)
    address_type: Mapped[str] = mapped_column(primary_key=True)
    # None once the address is deleted in the source.
    region: Mapped[str | None]
    is_primary: Mapped[bool]
    source_ts: Mapped[dt.datetime]


class CustomerTreatmentHistory(Base):
    """Each stay of a customer in a segment's arm: from the treatment's decision until the
    customer moved to another segment or arm, or out of every segment."""

    __tablename__ = "customer_treatment_history"
    __table_args__ = (
        CheckConstraint(f"arm IN {ARMS}", name="arm"),
        Index(None, "segment_code", "arm"),
        # One open stay per customer.
        Index(
            "uq_customer_treatment_history_open_cif",
            "cif",
            unique=True,
            postgresql_where=text("ended_at IS NULL"),
        ),
        WORKFLOW,
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    cif: Mapped[str]
    segment_code: Mapped[str]
    strategy_code: Mapped[str]
    arm: Mapped[str]
    # The bucket the customer entered the arm with.
    bucket: Mapped[str]
    started_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
    ended_reason: Mapped[str | None]


class StrategyDecision(Base):
    """With which version of the segments and strategies each customer was last decided
    (whether a segment took them or not), and which version their worker was last asked to
    decide them with: a customer decided with an older version is decided again."""

    __tablename__ = "strategy_decision"
    __table_args__ = (WORKFLOW,)

    cif: Mapped[str] = mapped_column(primary_key=True)
    # The newest segment or strategy change the decision saw (domain.strategy.Book.version);
    # None: asked, never decided yet.
    book_version: Mapped[dt.datetime | None]
    decided_at: Mapped[dt.datetime | None]
    requested_version: Mapped[dt.datetime | None]
    requested_at: Mapped[dt.datetime | None]
