"""Query parameters of the sync read API: what a search box entry means, what is a 400."""

from __future__ import annotations

import base64
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from persistence.sync_read_lists import Keyset, SearchTerms
from web.pagination import encode_cursor
from web.problems import ProblemError
from web.sync_params import (
    clean_key,
    customer_search,
    delinquent_query,
    page_json,
    search_terms,
)


def request(**query: str) -> web.Request:
    return make_mocked_request("GET", f"/api/x?{urlencode(query)}")


def field_of(err: pytest.ExceptionInfo[ProblemError]) -> tuple[int, str | None]:
    return err.value.status, err.value.field


@pytest.mark.parametrize(
    ("q", "terms"),
    [
        (
            " Nguyễn  Văn A ",
            SearchTerms(exact="Nguyễn  Văn A", words=("nguyen", "van", "a")),
        ),
        ("Đỗ Thị Ánh", SearchTerms(exact="Đỗ Thị Ánh", words=("do", "thi", "anh"))),
        (
            "0901 234 567",
            SearchTerms(exact="0901 234 567", phone_digits="901234567"),
        ),
        (
            "+84901234567",
            SearchTerms(exact="+84901234567", phone_digits="901234567"),
        ),
        (
            "079085001234",
            SearchTerms(
                exact="079085001234", phone_digits="79085001234", id_fragment="079085001234"
            ),
        ),
        # Too short to search inside numbers, and no letter for a name: exact keys only.
        ("012", SearchTerms(exact="012")),
        ("cong ty 2", SearchTerms(exact="cong ty 2", words=("cong", "ty", "2"))),
        ("LD2024", SearchTerms(exact="LD2024", words=("ld2024",), id_fragment="LD2024")),
        ("--", SearchTerms(exact="--")),
    ],
)
def test_a_search_entry_is_read_as_every_key_it_could_be(q: str, terms: SearchTerms) -> None:
    assert search_terms(q) == terms


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "q"),
        ({"q": " a "}, "q"),
        ({"q": "nguyen\x00"}, "q"),
        ({"q": "x" * 101}, "q"),
        ({"q": "nguyen", "status": "ALIVE"}, "status"),
        ({"q": "nguyen", "type": "ROBOT"}, "type"),
        ({"q": "nguyen", "sort": "dpd"}, "sort"),
        ({"q": "nguyen", "limit": "0"}, "limit"),
        ({"q": "nguyen", "cursor": "%%%"}, "cursor"),
        ({"q": "nguyen", "cursor": encode_cursor(["cif", "A", "A"])}, "cursor"),  # other sort
        ({"q": "nguyen", "cursor": encode_cursor(["name", 5, "A"])}, "cursor"),
        ({"q": "nguyen", "cursor": encode_cursor(["name", "a\x00", "A"])}, "cursor"),
    ],
)
def test_bad_search_parameters_name_the_field(query: dict[str, str], field: str) -> None:
    with pytest.raises(ProblemError) as err:
        customer_search(request(**query), None)
    assert field_of(err) == (400, field)


def test_search_reads_filters_sort_cursor_and_scope() -> None:
    cursor = encode_cursor(["-name", "nguyen van a", "100234"])
    search = customer_search(
        request(q="nguyen", status="ACTIVE", type="INDIVIDUAL", sort="-name", cursor=cursor),
        frozenset({"100234"}),
    )
    assert search.page == Keyset("name", True, 50, ("nguyen van a", "100234"))
    assert (search.status, search.customer_type, search.segment) == ("ACTIVE", "INDIVIDUAL", None)
    assert search.cifs == frozenset({"100234"})


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"dpd_min": "abc"}, "dpd_min"),
        ({"dpd_min": "-1"}, "dpd_min"),
        ({"dpd_max": "1.5"}, "dpd_max"),
        ({"dpd_max": "9" * 5000}, "dpd_max"),
        ({"dpd_min": "٣"}, "dpd_min"),  # a digit, but not one of ours
        ({"dpd_min": "50", "dpd_max": "10"}, "dpd_max"),
        ({"limit": "201"}, "limit"),
        ({"sort": "name"}, "sort"),
        ({"cursor": encode_cursor(["-dpd", "30", "LD1"])}, "cursor"),
        ({"cursor": encode_cursor(["-dpd", True, "LD1"])}, "cursor"),
        ({"cursor": encode_cursor(["-dpd", 30])}, "cursor"),
        ({"sort": "outstanding", "cursor": encode_cursor(["outstanding", "NaN", "LD1"])}, "cursor"),
        ({"cursor": encode_cursor([[[[]]]])}, "cursor"),
        ({"cursor": "W" * 6000}, "cursor"),
    ],
)
def test_bad_delinquent_parameters_name_the_field(query: dict[str, str], field: str) -> None:
    with pytest.raises(ProblemError) as err:
        delinquent_query(request(**query), None)
    assert field_of(err) == (400, field)


def test_deeply_nested_cursor_is_a_400_not_a_crash() -> None:
    cursor = base64.urlsafe_b64encode(b"[" * 5000).decode().rstrip("=")
    with pytest.raises(ProblemError) as err:
        delinquent_query(request(cursor=cursor), None)
    assert field_of(err) == (400, "cursor")


def test_delinquent_defaults_to_most_overdue_first() -> None:
    query = delinquent_query(request(dpd_min="0", dpd_max="90", product="CREDIT_CARD"), None)
    assert query.page == Keyset("dpd", True, 50, None)
    assert (query.dpd_min, query.dpd_max, query.product) == (0, 90, "CREDIT_CARD")


def test_amount_cursor_comes_back_as_decimal() -> None:
    cursor = encode_cursor(["outstanding", "1500000.50", "LD1"])
    query = delinquent_query(request(sort="outstanding", cursor=cursor), None)
    assert query.page.after == (Decimal("1500000.50"), "LD1")


def test_next_cursor_only_when_rows_go_on() -> None:
    keyset = Keyset("outstanding", False, 2)
    rows = [{"account_number": f"LD{i}", "outstanding": Decimal(f"{i}00.00")} for i in range(1, 4)]

    def shape(row: object) -> dict[str, object]:
        return {"row": row}

    full = page_json(rows, keyset, shape, "outstanding", "account_number")
    assert len(full["items"]) == 2
    follow = delinquent_query(request(sort="outstanding", cursor=full["nextCursor"]), None)
    assert follow.page.after == (Decimal("200.00"), "LD2")
    assert page_json(rows[:2], keyset, shape, "outstanding", "account_number")["nextCursor"] is None


@pytest.mark.parametrize(
    ("raw", "key"), [("100234", "100234"), ("", None), ("a\x00", None), ("x" * 101, None)]
)
def test_path_keys_that_cannot_exist_are_not_found(raw: str, key: str | None) -> None:
    assert clean_key(raw) == key
