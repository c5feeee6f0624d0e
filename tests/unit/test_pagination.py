"""Keyset pagination, sorting and date filters as a client uses them."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from web.pagination import (
    MAX_LIMIT,
    Page,
    date_filter,
    decode_cursor,
    encode_cursor,
    page_body,
    page_of,
    sort_of,
)
from web.problems import ProblemError


def request(query: str) -> web.Request:
    return make_mocked_request("GET", f"/api/x?{query}")


def test_cursor_round_trips_the_last_sort_key() -> None:
    key = ["2026-11-20T03:15:00+00:00", "FT1"]
    assert decode_cursor(encode_cursor(key)) == key


NESTED = base64.urlsafe_b64encode(b"[" * 100_000).decode()


# {"a":1} is JSON but not a list; NESTED is JSON too deep for the decoder.
@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", "eyJhIjoxfQ", NESTED])
def test_tampered_cursor_is_a_400_naming_the_field(cursor: str) -> None:
    with pytest.raises(ProblemError) as err:
        decode_cursor(cursor)
    assert (err.value.status, err.value.field) == (400, "cursor")


@pytest.mark.parametrize("limit", ["0", "-1", "abc", str(MAX_LIMIT + 1)])
def test_limit_out_of_range_is_rejected(limit: str) -> None:
    with pytest.raises(ProblemError) as err:
        page_of(request(f"limit={limit}"))
    assert err.value.field == "limit"


def test_first_page_and_next_cursor() -> None:
    page = page_of(request("limit=2"))
    assert page == Page(limit=2, after=None)
    full = page_body([{"a": 1}, {"a": 2}], page, ["k2"])
    assert full["nextCursor"] and decode_cursor(full["nextCursor"]) == ["k2"]
    short = page_body([{"a": 1}], page, ["k1"])
    assert short["nextCursor"] is None


def test_sort_is_whitelisted() -> None:
    allowed = {"paidAt": "paid_at", "amount": "amount"}
    assert sort_of(request("sort=-amount"), allowed, "paidAt") == ("amount", True)
    assert sort_of(request(""), allowed, "paidAt") == ("paid_at", False)
    with pytest.raises(ProblemError) as err:
        sort_of(request("sort=payer;drop"), allowed, "paidAt")
    assert err.value.field == "sort"


def test_date_filter_needs_an_offset() -> None:
    got = date_filter(request("from=2026-11-01T00:00:00Z"), "from")
    assert got == datetime(2026, 11, 1, tzinfo=UTC)
    assert date_filter(request(""), "from") is None
    with pytest.raises(ProblemError):
        date_filter(request("from=2026-11-01"), "from")
