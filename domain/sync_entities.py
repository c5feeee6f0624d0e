"""Canonical synchronized entities, their validation, and the T24 record transform."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import MISSING, dataclass, field, fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar, get_type_hints

from domain.errors import ValidationError
from domain.money import CURRENCY_SCALE
from domain.t24 import T24Record
from domain.t24_mapping import FieldMaps, TableRow
from domain.text_fold import fold

SOURCE_T24 = "T24"
CUSTOMER_TYPES = ("INDIVIDUAL", "ORGANIZATION")
CUSTOMER_STATUSES = ("ACTIVE", "INACTIVE")
LOAN_STATUSES = ("OPEN", "CLOSED")
RELATIONSHIP_TYPES = (
    "GUARANTOR",
    "CO_BORROWER",
    "SPOUSE",
    "PARENT",
    "CHILD",
    "SIBLING",
    "RELATIVE",
    "COLLEAGUE",
    "FRIEND",
    "POWER_OF_ATTORNEY",
    "OTHER",
)
_LOAN_NON_NEGATIVE = (
    "original_amount outstanding due_amount limit min_pay interest_rate dpd term".split()
)
# Loose on purpose: sources hold 0901234567, +84901234567 and landlines with area codes.
_PHONE = re.compile(r"^\+?[0-9]{8,15}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# A customer's folded name is a B-tree key twice (ix_customer_name_order, customer_name),
# and a B-tree entry holds at most about 2,700 bytes. Counted folded: folding decomposes
# some scripts (a Hangul syllable becomes three jamo), so characters say too little.
MAX_FOLDED_NAME_BYTES = 2000


def _key(value: str, name: str) -> None:
    if not value or not value.strip():
        raise ValidationError(f"{name} is required", field=name, code="MISSING_KEY")


def _enum(value: str | None, name: str, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        msg = f"{name}: {value!r} is not one of {', '.join(allowed)}"
        raise ValidationError(msg, field=name, code="UNKNOWN_ENUM")


def _non_negative(value: Decimal | int | None, name: str, places: int = 2) -> None:
    if value is not None and value < 0:
        raise ValidationError(f"{name} must not be negative", field=name, code="NEGATIVE_AMOUNT")
    # The copy stores amounts with 2 decimals (rates 4): more would be silently rounded.
    exponent = value.as_tuple().exponent if isinstance(value, Decimal) else 0
    if not isinstance(exponent, int) or exponent < -places:  # NaN and Infinity: "n", "F"
        msg = f"{name}: {value} has more than {places} decimal places"
        raise ValidationError(msg, field=name, code="BAD_AMOUNT")


@dataclass(frozen=True, kw_only=True)
class SyncEntity(ABC):
    """What every synchronized entity carries about its source."""

    source_system: str
    source_record_id: str
    source_ts: datetime
    is_deleted: bool = False

    def __post_init__(self) -> None:
        # Ordering by source time is only sound when every timestamp is absolute.
        if self.source_ts.utcoffset() != timedelta(0):
            msg = "source_ts must be a UTC timestamp"
            raise ValidationError(msg, field="source_ts", code="NAIVE_TIMESTAMP")
        self.validate()

    def validate(self) -> None:  # noqa: B027 - a hook: most entities add rules, some need none
        """Raise ValidationError when a field breaks a rule."""

    @abstractmethod
    def natural_key(self) -> tuple[str, ...]:
        """Return the key the entity is upserted by."""


@dataclass(frozen=True, kw_only=True)
class Customer(SyncEntity):
    cif: str
    customer_type: str
    name: str
    status: str = "ACTIVE"
    short_name: str | None = None
    date_of_birth: date | None = None
    gender: str | None = None
    national_id: str | None = None
    segment: str | None = None
    company_name: str | None = None
    registration_number: str | None = None
    tax_id: str | None = None

    def validate(self) -> None:
        _key(self.cif, "cif")
        _key(self.name, "name")
        folded = len(fold(self.name).encode())
        if folded > MAX_FOLDED_NAME_BYTES:
            msg = f"name folds to {folded} bytes, more than {MAX_FOLDED_NAME_BYTES}"
            raise ValidationError(msg, field="name", code="TOO_LONG")
        _enum(self.customer_type, "customer_type", CUSTOMER_TYPES)
        _enum(self.status, "status", CUSTOMER_STATUSES)

    def natural_key(self) -> tuple[str, ...]:
        return (self.cif,)


@dataclass(frozen=True, kw_only=True)
class Phone(SyncEntity):
    cif: str
    type: str
    number: str
    is_primary: bool = False
    is_verified: bool = False
    verification_date: date | None = None

    def validate(self) -> None:
        _key(self.cif, "cif")
        _key(self.type, "phone_type")
        if not _PHONE.match(self.number):
            msg = f"phone_number: {self.number!r} is not a phone number"
            raise ValidationError(msg, field="phone_number", code="BAD_PHONE")

    def natural_key(self) -> tuple[str, ...]:
        return (self.cif, self.type)


@dataclass(frozen=True, kw_only=True)
class Address(SyncEntity):
    cif: str
    type: str
    line1: str
    line2: str | None = None
    district: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    is_primary: bool = False
    is_verified: bool = False

    def validate(self) -> None:
        _key(self.cif, "cif")
        _key(self.type, "address_type")
        _key(self.line1, "address_line1")

    def natural_key(self) -> tuple[str, ...]:
        return (self.cif, self.type)


@dataclass(frozen=True, kw_only=True)
class Email(SyncEntity):
    cif: str
    address: str
    is_primary: bool = False
    is_verified: bool = False

    def validate(self) -> None:
        _key(self.cif, "cif")
        _key(self.address, "email")
        if not _EMAIL.match(self.address):
            msg = f"email: {self.address!r} is not an email address"
            raise ValidationError(msg, field="email", code="BAD_EMAIL")

    def natural_key(self) -> tuple[str, ...]:
        return (self.cif, self.address)


@dataclass(frozen=True, kw_only=True)
class Loan(SyncEntity):
    account_number: str
    cif: str
    product_type: str
    currency: str
    original_amount: Decimal
    outstanding: Decimal
    due_amount: Decimal
    dpd: int
    status: str
    disbursement_date: date | None = None
    maturity_date: date | None = None
    interest_rate: Decimal | None = None
    term: int | None = None
    payment_frequency: str | None = None
    limit: Decimal | None = None
    min_pay: Decimal | None = None
    next_payment_date: date | None = None
    delinquency_status: str | None = None
    close_date: date | None = None
    resolution_code: str | None = None
    resolution_notes: str | None = None
    # Derived, never sent by a source: stored so readers and sinks need not recompute it.
    remaining_amount: Decimal = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "remaining_amount", self.outstanding - self.due_amount)
        super().__post_init__()

    def validate(self) -> None:
        _key(self.account_number, "account_number")
        _key(self.cif, "cif")
        _enum(self.currency, "currency", tuple(CURRENCY_SCALE))
        _enum(self.status, "status", LOAN_STATUSES)
        for name in _LOAN_NON_NEGATIVE:
            _non_negative(getattr(self, name), name, 4 if name == "interest_rate" else 2)

    def natural_key(self) -> tuple[str, ...]:
        return (self.account_number,)


@dataclass(frozen=True, kw_only=True)
class DueSegmentation(SyncEntity):
    account_number: str
    due_date: date
    principal: Decimal
    interest: Decimal
    fees: Decimal = Decimal(0)
    penalty: Decimal = Decimal(0)

    def validate(self) -> None:
        _key(self.account_number, "account_number")
        for name in ("principal", "interest", "fees", "penalty"):
            _non_negative(getattr(self, name), name)

    def natural_key(self) -> tuple[str, ...]:
        return (self.account_number, self.due_date.isoformat())


@dataclass(frozen=True, kw_only=True)
class Collateral(SyncEntity):
    collateral_number: str
    cif: str
    type: str
    value: Decimal
    description: str | None = None
    valuation_date: date | None = None
    make: str | None = None
    model: str | None = None
    year: int | None = None
    vin: str | None = None
    license_plate: str | None = None
    property_type: str | None = None
    address: str | None = None
    size: Decimal | None = None
    title_number: str | None = None

    def validate(self) -> None:
        _key(self.collateral_number, "collateral_number")
        _key(self.cif, "cif")
        _non_negative(self.value, "value")
        _non_negative(self.size, "size")

    def natural_key(self) -> tuple[str, ...]:
        return (self.collateral_number,)


@dataclass(frozen=True, kw_only=True)
class LoanCollateral(SyncEntity):
    account_number: str
    collateral_number: str
    cif: str

    def validate(self) -> None:
        _key(self.account_number, "account_number")
        _key(self.collateral_number, "collateral_number")
        _key(self.cif, "cif")

    def natural_key(self) -> tuple[str, ...]:
        return (self.account_number, self.collateral_number)


@dataclass(frozen=True, kw_only=True)
class ReferenceCustomer(SyncEntity):
    ref_cif: str
    cif: str
    relationship_type: str
    name: str
    national_id: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None

    def validate(self) -> None:
        _key(self.ref_cif, "ref_cif")
        _key(self.cif, "cif")
        _key(self.name, "name")
        _enum(self.relationship_type, "relationship_type", RELATIONSHIP_TYPES)
        if self.phone is not None and not _PHONE.match(self.phone):
            msg = f"phone: {self.phone!r} is not a phone number"
            raise ValidationError(msg, field="phone", code="BAD_PHONE")

    def natural_key(self) -> tuple[str, ...]:
        return (self.ref_cif, self.cif)


# Entity type names: topic sync.<name>, table sync_entities.<name>, Avro crm.sync.<Class>.
ENTITY_TYPES: dict[str, type[SyncEntity]] = {
    "customer": Customer,
    "phone": Phone,
    "address": Address,
    "email": Email,
    "loan": Loan,
    "due_segmentation": DueSegmentation,
    "collateral": Collateral,
    "loan_collateral": LoanCollateral,
    "reference_customer": ReferenceCustomer,
}
TYPE_NAMES: dict[type[SyncEntity], str] = {cls: name for name, cls in ENTITY_TYPES.items()}


def type_name(entity: SyncEntity) -> str:
    return TYPE_NAMES[type(entity)]


def owner_cif(entity: SyncEntity) -> str | None:
    """The customer an entity hangs off; None for what hangs off a loan (due segments)."""
    if isinstance(entity, Customer):
        return entity.cif
    cif = getattr(entity, "cif", None)
    return cif if isinstance(cif, str) else None


def key_text(entity: SyncEntity) -> str:
    """The natural key as one string (Kafka key, logs): parts joined by "|"."""
    return "|".join(entity.natural_key())


E = TypeVar("E", bound="SyncEntity")


def newer(existing_ts: datetime | None, incoming_ts: datetime) -> bool:
    """Tell whether an incoming change may overwrite what is stored."""
    # Equal times win: a redelivery is idempotent, and within one partition order is kept.
    return existing_ts is None or incoming_ts >= existing_ts


@cache
def _init_fields(cls: type[SyncEntity]) -> tuple[tuple[str, Any, bool], ...]:
    """(name, type, required) of each constructor field; resolving hints is slow, do it once."""
    hints = get_type_hints(cls)
    return tuple((f.name, hints[f.name], f.default is MISSING) for f in fields(cls) if f.init)


def _build(cls: type[E], row: TableRow, meta: dict[str, Any]) -> E:
    """Fill an entity's fields from the same-named mapped fields of the record."""
    kwargs = dict(meta)
    for name, kind, required in _init_fields(cls):
        if name not in meta:
            value = row.get(name, kind)
            if value is None and required:
                msg = f"{name} is required"
                raise ValidationError(msg, field=name, code="MISSING_FIELD")
            if value is not None:
                kwargs[name] = value
    return cls(**kwargs)


_BUILT: dict[str, type[SyncEntity]] = {
    "loan": Loan,
    "collateral": Collateral,
    "due_segment": DueSegmentation,
}


def _contacts(row: TableRow, cif: str, meta: dict[str, Any]) -> list[SyncEntity]:
    """Build a customer's phones, addresses and emails from multi-values read in step."""
    out: list[SyncEntity] = []
    for i, g in enumerate(row.multi_group("phone_type", "phone_number")):
        kind, number = g["phone_type"] or "", g["phone_number"] or ""
        out.append(Phone(**meta, cif=cif, type=kind, number=number, is_primary=i == 0))
    parts = ("type", "line1", "line2", "district", "city", "state", "country")
    for i, g in enumerate(row.multi_group(*(f"address_{p}" for p in parts))):
        got: dict[str, Any] = {p: g[f"address_{p}"] for p in parts}
        got.update(type=got["type"] or "", line1=got["line1"] or "")
        out.append(Address(**meta, cif=cif, is_primary=i == 0, **got))
    emails = [e.strip().lower() for e in row.multi_text("email") if e and e.strip()]
    out += [Email(**meta, cif=cif, address=e, is_primary=i == 0) for i, e in enumerate(emails)]
    keys = [(type(e).__name__, e.natural_key()) for e in out]
    if dup := next((k for n, k in enumerate(keys) if k in keys[:n]), None):
        name = {"Phone": "phone_type", "Address": "address_type"}.get(dup[0], "email")
        msg = f"{name}: {dup[1][1]!r} appears twice for customer {cif}"
        raise ValidationError(msg, field=name, code="DUPLICATE_KEY")
    return out


def transform(
    table: str, record: T24Record, mapping: FieldMaps, source_ts: datetime
) -> list[SyncEntity]:
    """Turn one T24 record into its canonical entities, or raise ValidationError."""
    row = TableRow(mapping.table(table), record)
    meta: dict[str, Any] = dict(source_system=SOURCE_T24, source_record_id=record.recid)
    meta["source_ts"] = source_ts
    if row.table.entity == "customer":
        customer = _build(Customer, row, meta)
        return [customer, *_contacts(row, customer.cif, meta)]
    return [_build(_BUILT[row.table.entity], row, meta)]
