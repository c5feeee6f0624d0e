"""What services read of the core's loans: sync.loan and the due segments."""

from __future__ import annotations

from datetime import date

from domain.allocation import Due
from domain.errors import DomainError
from domain.loan_ledger import CoreLoan
from domain.sync_entities import DueSegmentation, Loan, SyncEntity
from streams.avro import AvroCodec
from streams.dlq import BadMessage
from streams.publish import Record
from streams.sync_avro import from_avro

# The sync.due_segmentation key (account|due date) travels with the re-keyed segment: a
# tombstone has no value to say which segment it deletes.
SEGMENT_KEY_HEADER = "crm-natural-key"
_KEY_SEPARATOR = "|"


def sync_entity(codec: AvroCodec, value: bytes, topic: str) -> SyncEntity:
    """Decode a record of a sync.* topic; anything unreadable is a BadMessage."""
    try:
        schema, record = codec.decode(value)
        return from_avro(schema, record)
    except (ValueError, KeyError, TypeError, DomainError) as exc:
        raise BadMessage(f"not a {topic} record: {exc}") from exc


def core_loan_of(codec: AvroCodec, account: str, value: bytes | None) -> CoreLoan | None:
    """The core's loan from a sync.loan record; None for a deleted loan (or a tombstone)."""
    if value is None:
        return None
    loan = sync_entity(codec, value, "sync.loan")
    if not isinstance(loan, Loan) or loan.account_number != account:
        raise BadMessage(f"sync.loan record is not loan {account}")
    if loan.is_deleted:
        return None
    return CoreLoan(
        cif=loan.cif,
        currency=loan.currency,
        outstanding=loan.outstanding,
        due_amount=loan.due_amount,
        status=loan.status,
        as_of=loan.source_ts,
    )


def _split_key(natural_key: bytes | str | None) -> tuple[str, date]:
    text = natural_key.decode() if isinstance(natural_key, bytes) else natural_key
    account, _, day = (text or "").rpartition(_KEY_SEPARATOR)
    try:
        return account, date.fromisoformat(day)
    except ValueError as exc:
        raise BadMessage(f"{text!r} is not a due segment key (account|YYYY-MM-DD)") from exc


def due_segment_of(
    codec: AvroCodec, account: str, natural_key: bytes | str | None, value: bytes | None
) -> tuple[date, Due | None]:
    """The due date and amounts of a re-keyed segment; None amounts for a deleted one."""
    owner, day = _split_key(natural_key)
    if owner != account:
        raise BadMessage(f"segment {natural_key!r} does not belong to loan {account}")
    if value is None:
        return day, None
    segment = sync_entity(codec, value, "sync.due_segmentation")
    if not isinstance(segment, DueSegmentation) or segment.due_date != day:
        raise BadMessage(f"sync.due_segmentation record is not segment {natural_key!r}")
    if segment.is_deleted:
        return day, None
    due = Due(
        penalty=segment.penalty,
        fees=segment.fees,
        interest=segment.interest,
        principal=segment.principal,
    )
    return day, due


def rekey_segment(key: bytes | None, value: bytes | None) -> Record:
    """A sync.due_segmentation record keyed by its loan account instead, value untouched."""
    if not key:
        raise BadMessage("a due segment record has no key")
    account, _ = _split_key(bytes(key))
    return account.encode(), value, [(SEGMENT_KEY_HEADER, bytes(key))]
