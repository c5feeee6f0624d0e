"""The payments service's view of one loan: the core's figures plus payments it applied since.

The core system (T24, W4) later sends its own balance, which already contains a payment the
CRM applied. A payment counts against the core's figures only while the core's record is
older than the payment (`paid_at` after the core's as-of time); once a core record as of a
later time arrives, the payment is part of it and is dropped from `pending`, so it is never
counted twice, whichever of the two arrives first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from domain.allocation import DEFAULT_ORDER, ZERO, AllocationLine, Component, Due, allocate
from domain.allocation import remaining as remaining_segments
from domain.payments import Kind, PaymentNotification

# Loans in these states take no payment: the money is held in suspense instead.
_CLOSED = frozenset({"CLOSED", "WRITTEN_OFF"})


class Outcome(StrEnum):
    APPLIED = "APPLIED"
    SUSPENDED = "SUSPENDED"
    DUPLICATE = "DUPLICATE"
    CONFLICT = "CONFLICT"
    REJECTED = "REJECTED"


class Status(StrEnum):
    """A payment's status as stored and shown (payments.payment.status)."""

    APPLIED = "APPLIED"
    SUSPENSE = "SUSPENSE"
    FAILED = "FAILED"
    REVERSED = "REVERSED"


@dataclass(frozen=True)
class Seen:
    """A reference the ledger has taken: its content hash, status and row version."""

    content_hash: str
    status: Status
    version: int = 1
    reason: str | None = None
    # What a reversal must match; None in ledgers written before reversals existed.
    amount: Decimal | None = None


@dataclass(frozen=True)
class CoreLoan:
    cif: str
    currency: str
    outstanding: Decimal
    due_amount: Decimal
    status: str
    as_of: datetime


@dataclass(frozen=True)
class Applied:
    """A payment applied here that the core's figures do not contain yet."""

    reference: str
    amount: Decimal
    paid_at: datetime
    allocation: tuple[AllocationLine, ...]


@dataclass(frozen=True)
class Decision:
    """What happened to one notification; the agent turns it into a row and an event."""

    notification: PaymentNotification
    outcome: Outcome
    status: Status | None
    version: int
    allocation: tuple[AllocationLine, ...] = ()
    reason: str | None = None
    cif: str | None = None
    # On an applied reversal: the payment it took back and that payment's new row version.
    reverses: tuple[str, int] | None = None


@dataclass(frozen=True)
class LoanLedger:
    account_number: str
    references: Mapping[str, Seen] = field(default_factory=dict)
    payment_count: int = 0
    total_paid: Decimal = ZERO
    last_reference: str | None = None
    core: CoreLoan | None = None
    segments: Mapping[date, Due] = field(default_factory=dict)
    pending: tuple[Applied, ...] = ()
    suspense: tuple[PaymentNotification, ...] = ()
    # What the current core record released from suspense, to report again if that record
    # is delivered again (a replay after a crash that PostgreSQL may not have seen).
    released: tuple[PaymentNotification, ...] = ()

    def outstanding(self) -> Decimal | None:
        if self.core is None:
            return None
        return self.core.outstanding - sum((p.amount for p in self.pending), ZERO)

    def due_amount(self) -> Decimal | None:
        if self.core is None:
            return None
        paid_due = sum(
            (line.amount for p in self.pending for line in p.allocation if line.due_date),
            ZERO,
        )
        return max(ZERO, self.core.due_amount - paid_due)

    def open_segments(self) -> dict[date, Due]:
        return remaining_segments(
            self.segments, [line for p in self.pending for line in p.allocation]
        )


def _takes_payments(ledger: LoanLedger) -> bool:
    return ledger.core is not None and ledger.core.status not in _CLOSED


def receive(
    ledger: LoanLedger | None,
    n: PaymentNotification,
    order: Sequence[Component] = DEFAULT_ORDER,
) -> tuple[Decision, LoanLedger]:
    """Take one notification, exactly once per reference number."""
    current = ledger or LoanLedger(account_number=n.loan_account_number)
    digest = n.content_hash()
    known = current.references.get(n.reference_number)
    if known is not None:
        if known.content_hash != digest:
            reason = "REFERENCE_REUSED_WITH_DIFFERENT_CONTENT"
            return Decision(n, Outcome.CONFLICT, None, known.version, reason=reason), current
        return _duplicate(current, n, known), current
    if n.kind is Kind.REVERSAL:
        return _reverse(current, n, digest)
    if not _takes_payments(current):
        seen = Seen(digest, Status.SUSPENSE, amount=n.amount)
        held = replace(
            current,
            references={**current.references, n.reference_number: seen},
            suspense=(*current.suspense, n),
        )
        return Decision(n, Outcome.SUSPENDED, Status.SUSPENSE, 1, cif=n.cif), held
    return _apply(current, n, digest, version=1, order=order)


def _duplicate(current: LoanLedger, n: PaymentNotification, known: Seen) -> Decision:
    """The decision taken for `n` before, as it stands now."""
    lines = next((p.allocation for p in current.pending if p.reference == n.reference_number), ())
    cif = current.core.cif if current.core else n.cif
    reverses = None
    if n.kind is Kind.REVERSAL and known.status is Status.APPLIED:
        original = current.references[n.original_reference_number or ""]
        reverses = (n.original_reference_number or "", original.version)
    return Decision(
        n, Outcome.DUPLICATE, known.status, known.version, lines, known.reason, cif, reverses
    )


def _apply(
    current: LoanLedger,
    n: PaymentNotification,
    digest: str,
    *,
    version: int,
    order: Sequence[Component],
) -> tuple[Decision, LoanLedger]:
    core = current.core
    assert core is not None
    if n.currency != core.currency:
        reason = f"CURRENCY_MISMATCH: the loan is in {core.currency}"
        seen = Seen(digest, Status.FAILED, version, reason)
        refs = {**current.references, n.reference_number: seen}
        decision = Decision(
            n, Outcome.REJECTED, Status.FAILED, version, reason=reason, cif=core.cif
        )
        return decision, replace(current, references=refs)
    lines = allocate(n.amount, current.open_segments(), order)
    seen = Seen(digest, Status.APPLIED, version, amount=n.amount)
    pending = current.pending
    # A core record as of a time after the payment already contains it: count it once.
    if n.paid_at > core.as_of:
        pending = (*pending, Applied(n.reference_number, n.amount, n.paid_at, lines))
    updated = replace(
        current,
        references={**current.references, n.reference_number: seen},
        payment_count=current.payment_count + 1,
        total_paid=current.total_paid + n.amount,
        last_reference=n.reference_number,
        pending=pending,
    )
    return Decision(n, Outcome.APPLIED, Status.APPLIED, version, lines, cif=core.cif), updated


def update_core(
    ledger: LoanLedger | None,
    account_number: str,
    core: CoreLoan | None,
    order: Sequence[Component] = DEFAULT_ORDER,
) -> tuple[list[Decision], LoanLedger]:
    """Take the core's record of the loan (None: deleted); release suspense it makes payable.

    An older record arriving late is ignored, like in sync. Payments the new record already
    contains (paid before its as-of time) leave `pending`.
    """
    current = ledger or LoanLedger(account_number=account_number)
    if core is not None and core == current.core:
        again = [
            _duplicate(current, n, current.references[n.reference_number]) for n in current.released
        ]
        return again, current
    if core is not None and current.core is not None and core.as_of < current.core.as_of:
        return [], current
    if core is None:
        return [], replace(current, core=None, released=())
    kept = tuple(p for p in current.pending if p.paid_at > core.as_of)
    updated = replace(current, core=core, pending=kept, released=())
    released: list[Decision] = []
    if _takes_payments(updated) and updated.suspense:
        held, updated = updated.suspense, replace(updated, suspense=(), released=updated.suspense)
        for n in held:
            seen = updated.references[n.reference_number]
            decision, updated = _apply(
                updated, n, seen.content_hash, version=seen.version + 1, order=order
            )
            released.append(decision)
    return released, updated


def update_segment(
    ledger: LoanLedger | None, account_number: str, day: date, due: Due | None
) -> LoanLedger:
    """Take one due segment from the core (None: the segment was deleted there)."""
    current = ledger or LoanLedger(account_number=account_number)
    segments = dict(current.segments)
    if due is None or due.total() <= 0:
        segments.pop(day, None)
    else:
        segments[day] = due
    return replace(current, segments=segments)


def _refuse(
    current: LoanLedger, r: PaymentNotification, digest: str, reason: str
) -> tuple[Decision, LoanLedger]:
    seen = Seen(digest, Status.FAILED, 1, reason, r.amount)
    refs = {**current.references, r.reference_number: seen}
    cif = current.core.cif if current.core else r.cif
    decision = Decision(r, Outcome.REJECTED, Status.FAILED, 1, reason=reason, cif=cif)
    return decision, replace(current, references=refs)


def _reverse(
    current: LoanLedger, r: PaymentNotification, digest: str
) -> tuple[Decision, LoanLedger]:
    """Take back an earlier payment of this loan; a second reversal of it changes nothing."""
    original_ref = r.original_reference_number or ""
    original = current.references.get(original_ref)
    if original is None:
        return _refuse(current, r, digest, "ORIGINAL_PAYMENT_NOT_FOUND")
    if original.status is Status.REVERSED:
        # Already taken back by another reversal: report it again, record nothing new.
        cif = current.core.cif if current.core else r.cif
        decision = Decision(
            r, Outcome.DUPLICATE, None, 1, cif=cif, reverses=(original_ref, original.version)
        )
        return decision, current
    if original.status is Status.FAILED:
        return _refuse(current, r, digest, "ORIGINAL_PAYMENT_NOT_APPLIED")
    if original.amount is not None and original.amount != r.amount:
        return _refuse(current, r, digest, "AMOUNT_DIFFERS_FROM_ORIGINAL")
    reversed_seen = replace(original, status=Status.REVERSED, version=original.version + 1)
    refs = {
        **current.references,
        original_ref: reversed_seen,
        r.reference_number: Seen(digest, Status.APPLIED, 1, amount=r.amount),
    }
    updated = replace(current, references=refs)
    if original.status is Status.SUSPENSE:
        kept = tuple(n for n in current.suspense if n.reference_number != original_ref)
        updated = replace(updated, suspense=kept)
    else:
        pending = tuple(p for p in current.pending if p.reference != original_ref)
        core = current.core
        booked = len(pending) == len(current.pending)
        if booked and (core is None or r.paid_at > core.as_of):
            # The core's figures contain the payment but not yet its reversal: add it back
            # until a core record as of a later time reports the reversal too.
            pending = (*pending, Applied(r.reference_number, -r.amount, r.paid_at, ()))
        updated = replace(
            updated,
            pending=pending,
            payment_count=current.payment_count - 1,
            total_paid=current.total_paid - r.amount,
        )
    cif = current.core.cif if current.core else r.cif
    decision = Decision(
        r,
        Outcome.APPLIED,
        Status.APPLIED,
        1,
        cif=cif,
        reverses=(original_ref, reversed_seen.version),
    )
    return decision, updated
