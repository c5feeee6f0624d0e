"""The allocation waterfall: oldest due date first, penalty → fees → interest → principal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.allocation import (
    AllocationLine,
    Component,
    Due,
    allocate,
    parse_order,
    remaining,
)
from domain.errors import ValidationError

D = Decimal
OCT, NOV = date(2026, 10, 5), date(2026, 11, 5)
SEGMENTS = {
    NOV: Due(penalty=D("10"), fees=D("5"), interest=D("100"), principal=D("1000")),
    OCT: Due(penalty=D("20"), fees=D("0"), interest=D("90"), principal=D("1000")),
}


def test_oldest_segment_is_cleared_first_in_the_default_order() -> None:
    lines = allocate(D("1150"), SEGMENTS)
    assert lines == (
        AllocationLine(Component.PENALTY, OCT, D("20")),
        AllocationLine(Component.INTEREST, OCT, D("90")),
        AllocationLine(Component.PRINCIPAL, OCT, D("1000")),
        AllocationLine(Component.PENALTY, NOV, D("10")),
        AllocationLine(Component.FEES, NOV, D("5")),
        AllocationLine(Component.INTEREST, NOV, D("25")),
    )
    assert sum(line.amount for line in lines) == D("1150")


def test_a_configured_order_is_followed_within_a_segment() -> None:
    order = parse_order("principal, interest, fees, penalty")
    lines = allocate(D("1005"), SEGMENTS, order)
    assert lines[0] == AllocationLine(Component.PRINCIPAL, OCT, D("1000"))
    assert lines[1] == AllocationLine(Component.INTEREST, OCT, D("5"))


def test_money_beyond_every_due_segment_pays_principal_not_yet_due() -> None:
    lines = allocate(D("3000"), SEGMENTS)
    assert lines[-1] == AllocationLine(Component.PRINCIPAL, None, D("775"))
    assert sum(line.amount for line in lines) == D("3000")


def test_no_segments_means_everything_is_principal() -> None:
    assert allocate(D("50"), {}) == (AllocationLine(Component.PRINCIPAL, None, D("50")),)


def test_remaining_takes_earlier_allocations_off() -> None:
    left = remaining(SEGMENTS, allocate(D("1150"), SEGMENTS))
    assert OCT not in left
    assert left[NOV] == Due(penalty=D("0"), fees=D("0"), interest=D("75"), principal=D("1000"))


@pytest.mark.parametrize("text", ["PENALTY,FEES,INTEREST", "PENALTY,FEES,INTEREST,CAKE", ""])
def test_an_order_must_name_each_component_once(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_order(text)
    assert err.value.field == "order"
