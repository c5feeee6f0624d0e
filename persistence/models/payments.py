"""Tables of the payments service (schemas payments, reconciliation)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, Identity, func, text
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base, CurrencyCode


class Payment(Base):
    """One payment notification as received, keyed by the payment system's reference."""

    __tablename__ = "payment"
    __table_args__ = {"schema": "payments"}

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    reference_number: Mapped[str] = mapped_column(unique=True)
    loan_account_number: Mapped[str] = mapped_column(index=True)
    cif: Mapped[str | None] = mapped_column(index=True)
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(CurrencyCode)
    # Reconciliation reads one date range of payments.
    paid_at: Mapped[dt.datetime] = mapped_column(index=True)
    channel: Mapped[str]
    payer: Mapped[str | None]
    source: Mapped[str]
    # PAYMENT or REVERSAL; a reversal names the payment it takes back.
    kind: Mapped[str] = mapped_column(server_default=text("'PAYMENT'"))
    original_reference_number: Mapped[str | None]
    status: Mapped[str]
    # Hash of the notification as received: same reference with another hash is a conflict.
    content_hash: Mapped[str]
    received_at: Mapped[dt.datetime]
    applied_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    # Offset of the payments.events message that last wrote the row: the sink's version.
    event_offset: Mapped[int | None] = mapped_column(BigInteger)
    # The ledger's version of this payment (1 received, +1 per status change): the sink
    # writes a row only forward, so a replayed older status never overwrites a newer one.
    version: Mapped[int] = mapped_column(server_default=text("1"))
    # Why a payment was not applied (FAILED), in the words of PAYMENT_FAILED's reason.
    reason: Mapped[str | None]


class PaymentAllocation(Base):
    """How an applied payment was split over the loan's due segments."""

    __tablename__ = "payment_allocation"
    __table_args__ = {"schema": "payments"}

    reference_number: Mapped[str] = mapped_column(primary_key=True)
    line_no: Mapped[int] = mapped_column(primary_key=True)
    component: Mapped[str]
    # NULL: principal not yet due (the payment went beyond every due segment).
    due_date: Mapped[dt.date | None]
    amount: Mapped[Decimal]


class PaymentHistory(Base):
    """Every status a payment went through, and every refused reuse of its reference."""

    __tablename__ = "payment_history"
    __table_args__ = {"schema": "payments"}

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    # The PaymentEvent's id: a replayed event adds no second history line.
    event_id: Mapped[str] = mapped_column(unique=True)
    reference_number: Mapped[str] = mapped_column(index=True)
    status: Mapped[str]
    reason: Mapped[str | None]
    content_hash: Mapped[str]
    occurred_at: Mapped[dt.datetime]
