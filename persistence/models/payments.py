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
    paid_at: Mapped[dt.datetime]
    channel: Mapped[str]
    payer: Mapped[str | None]
    source: Mapped[str]
    # PAYMENT or REVERSAL; a reversal references the original through its own reference.
    kind: Mapped[str] = mapped_column(server_default=text("'PAYMENT'"))
    status: Mapped[str]
    # Hash of the notification as received: same reference with another hash is a conflict.
    content_hash: Mapped[str]
    received_at: Mapped[dt.datetime]
    applied_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    # Offset of the payments.events message that last wrote the row: the sink's version.
    event_offset: Mapped[int | None] = mapped_column(BigInteger)
