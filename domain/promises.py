"""Promises to pay of one customer: made, approved, covered by payments, kept or broken.

Payments are matched to the customer's open promises oldest first (DOMAIN.md); a payment
counts for a promise when it was paid after the promise was made and on or before its due
date (bank time). A
promise covered in full is KEPT at once; one still short after its due date is BROKEN. A
reversal takes the payment's share back: a KEPT promise it leaves short is open again (or
BROKEN if its day has passed).

Pure and replay-safe: a payment reference or a promise id seen before changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum


class PromiseStatus(StrEnum):
    PENDING_APPROVAL = "PENDING_APPROVAL"
    PENDING = "PENDING"
    KEPT = "KEPT"
    BROKEN = "BROKEN"
    CANCELLED = "CANCELLED"


OPEN = frozenset({PromiseStatus.PENDING_APPROVAL, PromiseStatus.PENDING})
# Closed promises stay in the book this long, so a late reversal can still reopen them.
KEEP_CLOSED = timedelta(days=60)


class Change(StrEnum):
    """What happened to a promise: the WorkflowEvent type published for it."""

    CREATED = "PROMISE_CREATED"
    KEPT = "PROMISE_KEPT"
    BROKEN = "PROMISE_BROKEN"
    REOPENED = "PROMISE_REOPENED"
    APPROVED = "PROMISE_APPROVED"


@dataclass(frozen=True, slots=True)
class Promise:
    promise_id: str
    cif: str
    account_number: str | None
    amount: Decimal
    currency: str
    due_date: date
    created_at: datetime
    created_by: str
    status: PromiseStatus
    # Payment reference → the part of it that counts for this promise.
    matched: Mapping[str, Decimal] = field(default_factory=dict)
    closed_at: datetime | None = None
    # Bumped on every change: the sink writes a promise row only forward.
    version: int = 1

    @property
    def covered(self) -> Decimal:
        return sum(self.matched.values(), Decimal(0))

    @property
    def short(self) -> Decimal:
        return max(self.amount - self.covered, Decimal(0))


@dataclass(frozen=True, slots=True)
class Book:
    """One customer's promises (open, and recently closed) and the payments already seen."""

    promises: tuple[Promise, ...] = ()
    # Payment reference → when it was paid: a payment delivered again is not counted again.
    payments: Mapping[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Changed:
    promise: Promise
    # None: the promise changed (a part payment) but nothing happened worth an event.
    change: Change | None


@dataclass(frozen=True, slots=True)
class Payment:
    reference: str
    amount: Decimal
    currency: str
    paid_at: datetime
    # paid_at's day in the bank's time zone: it counts for promises due on or after it.
    paid_on: date


def _set(book: Book, promise: Promise) -> Book:
    promises = tuple(promise if p.promise_id == promise.promise_id else p for p in book.promises)
    return replace(book, promises=promises)


def _moved(p: Promise, status: PromiseStatus, at: datetime) -> Promise:
    closed = None if status in OPEN else at
    return replace(p, status=status, closed_at=closed, version=p.version + 1)


def make(book: Book | None, promise: Promise) -> tuple[Book, list[Changed]]:
    """Add a promise (PENDING, or PENDING_APPROVAL above the limit); a replay adds nothing."""
    book = book or Book()
    if any(p.promise_id == promise.promise_id for p in book.promises):
        return book, []
    return replace(book, promises=(*book.promises, promise)), [Changed(promise, Change.CREATED)]


def approve(book: Book, promise_id: str, at: datetime) -> tuple[Book, list[Changed]]:
    """PENDING_APPROVAL → PENDING; anything else is left as it is (a replay, or too late)."""
    for p in book.promises:
        if p.promise_id == promise_id and p.status is PromiseStatus.PENDING_APPROVAL:
            approved = _moved(p, PromiseStatus.PENDING, at)
            return _set(book, approved), [Changed(approved, Change.APPROVED)]
    return book, []


def pay(book: Book | None, payment: Payment, at: datetime) -> tuple[Book, list[Changed]]:
    """Match a payment to open promises, oldest first; cover them up to what each lacks."""
    book = book or Book()
    # Without a promise there is nothing to match; a later promise cannot use an earlier payment.
    if payment.reference in book.payments or not book.promises:
        return book, []
    book = replace(book, payments={**book.payments, payment.reference: payment.paid_at})
    left = payment.amount
    changed: list[Changed] = []
    for p in sorted(book.promises, key=lambda p: (p.created_at, p.promise_id)):
        if left <= 0:
            break
        eligible = (
            p.currency == payment.currency
            and p.created_at <= payment.paid_at
            and payment.paid_on <= p.due_date
        )
        if p.status not in OPEN or not eligible or p.short <= 0:
            continue
        share = min(left, p.short)
        left -= share
        updated = replace(p, matched={**p.matched, payment.reference: share})
        if updated.short == 0:
            updated = _moved(updated, PromiseStatus.KEPT, at)
            changed.append(Changed(updated, Change.KEPT))
        else:
            updated = replace(updated, version=p.version + 1)
            changed.append(Changed(updated, None))
        book = _set(book, updated)
    return book, changed


def reverse(
    book: Book | None, reference: str, today: date, at: datetime
) -> tuple[Book, list[Changed]]:
    """Take a reversed payment's shares back; a KEPT promise left short reopens or breaks."""
    book = book or Book()
    changed: list[Changed] = []
    for p in book.promises:
        if reference not in p.matched:
            continue
        matched = {ref: amount for ref, amount in p.matched.items() if ref != reference}
        updated = replace(p, matched=matched)
        if p.status is not PromiseStatus.KEPT:
            updated = replace(updated, version=p.version + 1)
            changed.append(Changed(updated, None))
        elif p.due_date >= today:
            updated = _moved(updated, PromiseStatus.PENDING, at)
            changed.append(Changed(updated, Change.REOPENED))
        else:
            updated = _moved(updated, PromiseStatus.BROKEN, at)
            changed.append(Changed(updated, Change.BROKEN))
        book = _set(book, updated)
    return book, changed


def due(book: Book | None, today: date, at: datetime) -> tuple[Book, list[Changed]]:
    """Break every open promise whose due date is before `today` (bank time) and is short."""
    book = book or Book()
    changed: list[Changed] = []
    for p in book.promises:
        if p.status in OPEN and p.due_date < today:
            broken = _moved(p, PromiseStatus.BROKEN, at)
            changed.append(Changed(broken, Change.BROKEN))
            book = _set(book, broken)
    return prune(book, at), changed


def next_due(book: Book) -> date | None:
    """The earliest due date of an open promise: when the timer must look at this customer."""
    return min((p.due_date for p in book.promises if p.status in OPEN), default=None)


def prune(book: Book, at: datetime) -> Book:
    """Forget promises closed long ago, and payments no promise in the book refers to."""
    kept = tuple(p for p in book.promises if p.closed_at is None or at - p.closed_at <= KEEP_CLOSED)
    # A payment older than every promise in the book can count for none of them, even if it
    # is delivered again: it need not be remembered.
    oldest = min((p.created_at for p in kept), default=at)
    payments = {ref: paid for ref, paid in book.payments.items() if paid >= oldest}
    return Book(kept, payments)
