"""How a payment is split over a loan's due segments (the allocation waterfall)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from domain.errors import ValidationError


class Component(StrEnum):
    PENALTY = "PENALTY"
    FEES = "FEES"
    INTEREST = "INTEREST"
    PRINCIPAL = "PRINCIPAL"


# The bank's default: what costs the customer most is cleared first.
DEFAULT_ORDER: tuple[Component, ...] = (
    Component.PENALTY,
    Component.FEES,
    Component.INTEREST,
    Component.PRINCIPAL,
)

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Due:
    """What is owed on one due date, by component."""

    penalty: Decimal = ZERO
    fees: Decimal = ZERO
    interest: Decimal = ZERO
    principal: Decimal = ZERO

    def of(self, component: Component) -> Decimal:
        return {
            Component.PENALTY: self.penalty,
            Component.FEES: self.fees,
            Component.INTEREST: self.interest,
            Component.PRINCIPAL: self.principal,
        }[component]

    def total(self) -> Decimal:
        return self.penalty + self.fees + self.interest + self.principal


@dataclass(frozen=True)
class AllocationLine:
    component: Component
    # None: principal not yet due (the payment went beyond every due segment).
    due_date: date | None
    amount: Decimal


def parse_order(text: str) -> tuple[Component, ...]:
    """Read a configured order such as "PENALTY,FEES,INTEREST,PRINCIPAL"."""
    names = [part.strip().upper() for part in text.split(",") if part.strip()]
    try:
        order = tuple(Component(name) for name in names)
    except ValueError as exc:
        allowed = ", ".join(c.value for c in Component)
        raise ValidationError(f"allocation order may only name {allowed}", field="order") from exc
    if sorted(order) != sorted(Component):
        raise ValidationError("allocation order must name every component once", field="order")
    return order


def allocate(
    amount: Decimal,
    segments: Mapping[date, Due],
    order: Sequence[Component] = DEFAULT_ORDER,
) -> tuple[AllocationLine, ...]:
    """Split `amount` oldest due date first and, within a date, in `order`.

    What is left after every due segment is cleared pays principal that is not due yet
    (a line without a due date): the bank already holds the money, so it is never dropped.
    """
    left = amount
    lines: list[AllocationLine] = []
    for due_date in sorted(segments):
        due = segments[due_date]
        for component in order:
            if left <= 0:
                return tuple(lines)
            take = min(left, due.of(component))
            if take > 0:
                lines.append(AllocationLine(component, due_date, take))
                left -= take
    if left > 0:
        lines.append(AllocationLine(Component.PRINCIPAL, None, left))
    return tuple(lines)


def remaining(segments: Mapping[date, Due], paid: Iterable[AllocationLine]) -> dict[date, Due]:
    """Segments after taking off what earlier allocations already paid."""
    owed = {
        day: {c: due.of(c) for c in Component} for day, due in segments.items() if due.total() > 0
    }
    for line in paid:
        if line.due_date is not None and line.due_date in owed:
            part = owed[line.due_date]
            part[line.component] = max(ZERO, part[line.component] - line.amount)
    return {
        day: Due(
            penalty=parts[Component.PENALTY],
            fees=parts[Component.FEES],
            interest=parts[Component.INTEREST],
            principal=parts[Component.PRINCIPAL],
        )
        for day, parts in owed.items()
        if sum(parts.values(), ZERO) > 0
    }
