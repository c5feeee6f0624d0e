"""Strategy segments, champion/challenger split and dealing customers out by workload."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from agents.workflow_strategy import facts_of
from domain.cases import Case, CaseStatus, LoanView
from domain.errors import ValidationError
from domain.strategy import Arm, Book, Facts, Segment, Strategy, Treatment, split_point
from domain.strategy_changes import parse_segment, parse_strategy
from domain.workload import Seat, Workload
from persistence.treatment_history import moves

EARLY = Strategy("EARLY", "T-CALL", 20, ("CALL", "SMS"), 2)
LATE = Strategy("LATE", "T-FIELD", 60, ("VISIT",), 0)
SOFT = Strategy("SOFT", "T-CALL", 30, ("SMS",), 3)


def facts(cif: str = "C1", bucket: str = "1-30", **kw: object) -> Facts:
    values: dict[str, object] = {"products": ("PERSONAL_LOAN",), "outstanding_vnd": Decimal(0)}
    values.update(kw)
    return Facts(cif, bucket, **values)  # type: ignore[arg-type]


def test_segments_are_tried_in_rank_order_and_the_first_match_wins() -> None:
    book = Book.of(
        [
            Segment("ANY", rank=20, champion="EARLY"),
            Segment("LATE", rank=10, champion="LATE", buckets=("91-180", ">360")),
        ],
        [EARLY, LATE],
    )
    late = book.treat(facts(bucket="91-180"))
    early = book.treat(facts(bucket="1-30"))
    assert late is not None and (late.segment_code, late.strategy.team_code) == ("LATE", "T-FIELD")
    assert early is not None and (early.segment_code, early.strategy.code) == ("ANY", "EARLY")


@pytest.mark.parametrize(
    ("segment", "customer", "matches"),
    [
        (Segment("S", 1, "EARLY", products=("CARD",)), facts(products=("CARD", "AUTO")), True),
        (Segment("S", 1, "EARLY", products=("CARD",)), facts(), False),
        (Segment("S", 1, "EARLY", min_outstanding=Decimal(100)), facts(outstanding_vnd=100), True),
        (Segment("S", 1, "EARLY", min_outstanding=Decimal(100)), facts(outstanding_vnd=99), False),
        (Segment("S", 1, "EARLY", max_outstanding=Decimal(100)), facts(outstanding_vnd=101), False),
        (Segment("S", 1, "EARLY", regions=("Hà Nội",)), facts(region="Hà Nội"), True),
        # A customer whose region is unknown is not in a regional segment.
        (Segment("S", 1, "EARLY", regions=("Hà Nội",)), facts(region=None), False),
        (
            Segment("S", 1, "EARLY", risk_flags=("BROKEN_PROMISE", "DISPUTE")),
            facts(risk_flags=frozenset({"DISPUTE"})),
            True,
        ),
        (Segment("S", 1, "EARLY", risk_flags=("DISPUTE",)), facts(), False),
    ],
)
def test_each_criterion(segment: Segment, customer: Facts, matches: bool) -> None:
    assert segment.matches(customer) is matches


def test_no_segment_takes_the_customer() -> None:
    book = Book.of([Segment("CARDS", 1, "EARLY", products=("CARD",))], [EARLY])
    assert book.treat(facts()) is None


def test_challenger_takes_its_share_by_a_stable_hash() -> None:
    segment = Segment("EARLY-SPLIT", 1, "EARLY", challenger="SOFT", challenger_percent=30)
    book = Book.of([segment], [EARLY, SOFT])
    arms: Counter[Arm] = Counter()
    for n in range(4000):
        treatment = book.treat(facts(cif=f"CIF{n:06d}"))
        assert treatment is not None
        arms[treatment.arm] += 1
        # The same customer lands in the same arm every time, on any worker.
        assert segment.arm_of(f"CIF{n:06d}") is treatment.arm
        assert treatment.strategy.code == ("SOFT" if treatment.arm is Arm.CHALLENGER else "EARLY")
    assert 0.27 < arms[Arm.CHALLENGER] / 4000 < 0.33
    assert split_point("EARLY-SPLIT", "CIF000001") == split_point("EARLY-SPLIT", "CIF000001")


def test_a_retired_challenger_sends_its_arm_back_to_the_champion() -> None:
    segment = Segment("S", 1, "EARLY", challenger="SOFT", challenger_percent=99)
    treatment = Book.of([segment], [EARLY]).treat(facts())
    assert treatment is not None and (treatment.arm, treatment.strategy.code) == (
        Arm.CHAMPION,
        "EARLY",
    )


def test_a_segment_whose_strategies_are_retired_passes_to_the_next() -> None:
    book = Book.of([Segment("A", 1, "GONE"), Segment("B", 2, "LATE")], [LATE])
    treatment = book.treat(facts())
    assert treatment is not None and treatment.segment_code == "B"


def test_workload_deals_to_the_least_loaded_for_their_capacity() -> None:
    load = Workload([Seat("A", 10, 5), Seat("B", 4, 1), Seat("C", 2, 2)])
    # B is at 1/4, A at 5/10: B first, then B (2/4 ties A's 5/10: id order), then A.
    assert [load.take() for _ in range(4)] == ["B", "A", "B", "A"]


def test_workload_stops_at_capacity() -> None:
    load = Workload([Seat("A", 2, 1), Seat("B", 1, 1)])
    assert [load.take(), load.take()] == ["A", None]


def test_a_strategy_body_is_checked_field_by_field() -> None:
    types = frozenset({"CALL", "SMS", "VISIT"})
    body = {"name": "Early", "teamCode": "T1", "priority": 40, "channels": ["SMS", "CALL"]}
    values = parse_strategy("EARLY-1", body, types)
    assert (values["channels"], values["cadence_days"], values["active"]) == (
        ["CALL", "SMS"],
        0,
        True,
    )
    for bad, field in (
        ({**body, "priority": 101}, "priority"),
        ({**body, "channels": ["FAX"]}, "channels"),
        ({**body, "cadenceDays": -1}, "cadenceDays"),
        ({**body, "colour": "red"}, "colour"),
        ({k: v for k, v in body.items() if k != "teamCode"}, "teamCode"),
    ):
        with pytest.raises(ValidationError) as caught:
            parse_strategy("EARLY-1", bad, types)
        assert caught.value.field == field
    with pytest.raises(ValidationError) as caught:
        parse_strategy("early", body, types)
    assert caught.value.field == "code"


def test_a_segment_body_is_checked_field_by_field() -> None:
    body = {"name": "Late", "rank": 5, "champion": "LATE", "buckets": ["91-180", ">360"]}
    values = parse_segment("LATE", body)
    assert (values["buckets"], values["challenger"], values["min_outstanding"]) == (
        ["91-180", ">360"],
        None,
        None,
    )
    for bad, field in (
        ({**body, "buckets": ["CURRENT"]}, "buckets"),
        ({**body, "challengerPercent": 20}, "challenger"),
        ({**body, "challenger": "SOFT", "challengerPercent": 100}, "challengerPercent"),
        ({**body, "challenger": "LATE", "challengerPercent": 50}, "challenger"),
        ({**body, "minOutstanding": "10", "maxOutstanding": "5"}, "maxOutstanding"),
        ({**body, "minOutstanding": "-1"}, "minOutstanding"),
        ({**body, "rank": 0}, "rank"),
        ({**body, "regions": [" Hà Nội"]}, "regions"),
    ):
        with pytest.raises(ValidationError) as caught:
            parse_segment("LATE", bad)
        assert caught.value.field == field


def test_what_the_strategy_knows_of_a_case() -> None:
    now = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)

    def loan(account: str, product: str, currency: str, outstanding: str) -> LoanView:
        return LoanView(account, product, currency, Decimal(outstanding), Decimal(1), 45, "OPEN")

    case = Case(
        "C1",
        loans={
            "A1": loan("A1", "CARD", "VND", "1000"),
            "A2": loan("A2", "AUTO", "USD", "10"),
            "A3": loan("A3", "CARD", "VND", "500"),
        },
        status=CaseStatus.OPEN,
        broken_promises=(now - timedelta(days=3),),
        customer_status="DISPUTE",
    )
    known = facts_of(case, now, "Đà Nẵng")
    assert known == Facts(
        "C1",
        "31-60",
        ("AUTO", "CARD"),
        Decimal(1500),
        "Đà Nẵng",
        frozenset({"MULTIPLE_LOANS", "BROKEN_PROMISE", "DISPUTE"}),
    )
    # A promise broken long ago is forgotten, as in the case's priority.
    later = facts_of(case, now + timedelta(days=40))
    assert later.risk_flags == {"MULTIPLE_LOANS", "DISPUTE"} and later.region is None


def test_a_stay_in_an_arm_ends_only_when_the_treatment_changes() -> None:
    early = Treatment("C1", "EARLY", EARLY, Arm.CHAMPION)
    late = Treatment("C2", "LATE", LATE, Arm.CHAMPION)
    current = {"C1": ("EARLY", "EARLY", "CHAMPION"), "C2": ("EARLY", "EARLY", "CHAMPION")}
    ending, starting = moves(
        current,
        [("C1", "1-30", early), ("C2", "61-90", late), ("C3", "1-30", None), ("C4", "1-30", early)],
    )
    assert ending == [("C2", "MOVED TO SEGMENT LATE")]
    assert starting == [
        ("C2", "LATE", "LATE", "CHAMPION", "61-90"),
        ("C4", "EARLY", "EARLY", "CHAMPION", "1-30"),
    ]
    gone, _ = moves(current, [("C1", "181-360", None)])
    assert gone == [("C1", "NO SEGMENT")]
