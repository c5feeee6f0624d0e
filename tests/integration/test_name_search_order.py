"""A name search pages through its matches in name order, and sees names as the sinks write them.

The search matches words in customer_name (one row per distinct name, kept by triggers on
customer) and then walks the customers of those names in page order. These tests write
customers the way the sync service does, through PostgresSink, and read pages through nginx.
"""

from __future__ import annotations

import random
import string
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from domain.text_fold import fold
from persistence.models.sync import Customer
from persistence.sink import PostgresSink
from tests.integration.auth_client import call

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC)

# (given names after the test's own surname, how many customers, status, deleted)
PEOPLE = (
    ("Nguyễn Văn An", 4, "ACTIVE", False),
    ("Nguyễn Văn Anh", 3, "ACTIVE", False),
    ("Văn Nguyễn An", 2, "ACTIVE", False),
    ("Nguyễn Văn Ánh", 1, "INACTIVE", False),
    ("Nguyễn Văn An", 1, "ACTIVE", True),
    ("Nguyễn Văn Bình", 2, "ACTIVE", False),
)


@dataclass(frozen=True)
class People:
    tag: str
    surname: str
    sink: PostgresSink
    # cif → (name, status, deleted)
    rows: dict[str, tuple[str, str, bool]]


def _row(cif: str, name: str, status: str, deleted: bool, at: datetime) -> dict[str, Any]:
    return {
        "cif": cif,
        "customer_type": "INDIVIDUAL",
        "name": name,
        "name_folded": fold(name),
        "status": status,
        "source_system": "T24",
        "source_record_id": cif,
        "source_ts": at,
        "last_synced_at": at,
        "is_deleted": deleted,
    }


@pytest.fixture
async def people(db: asyncpg.Pool) -> AsyncIterator[People]:
    tag = "NS" + uuid.uuid4().hex[:12].upper()
    # A word no other customer has, so the test's searches see only its own rows.
    surname = "Lưu" + "".join(random.choices(string.ascii_lowercase, k=10))
    rows: dict[str, tuple[str, str, bool]] = {}
    for given, count, status, deleted in PEOPLE:
        for _ in range(count):
            # CIFs in no relation to the names, so name order and CIF order differ.
            rows[f"{tag}{random.randrange(10**8):08d}"] = (f"{surname} {given}", status, deleted)
    sink = PostgresSink(db, Customer.__table__, ["cif"], version_column="source_ts")
    await sink.write([_row(cif, *person, NOW) for cif, person in rows.items()])
    yield People(tag, surname, sink, rows)
    await db.execute("DELETE FROM sync_entities.customer WHERE cif LIKE $1", f"{tag}%")


async def _all_pages(api: str, token: str, **params: str) -> list[str]:
    """Follow nextCursor to the end; the CIFs in the order the pages gave them."""
    found: list[str] = []
    cursor: str | None = None
    for _ in range(50):
        page_params = {**params, **({"cursor": cursor} if cursor else {})}
        status, body = await call("GET", f"{api}/api/customers", token, params=page_params)
        assert status == 200, body
        found += [item["cif"] for item in body["items"]]
        cursor = body["nextCursor"]
        if cursor is None:
            return found
    raise AssertionError(f"more than 50 pages for {params}")


def _expected(rows: dict[str, tuple[str, str, bool]], words: set[str], prefix: str) -> list[str]:
    """Live customers whose folded name has every word and one starting with prefix, in
    (folded name, CIF) order: what a user reads the search rule as."""
    hits = [
        (fold(name), cif)
        for cif, (name, _, deleted) in rows.items()
        if not deleted
        and words <= set(fold(name).split())
        and any(w.startswith(prefix) for w in fold(name).split())
    ]
    return [cif for _, cif in sorted(hits)]


async def test_pages_follow_name_order_both_ways(api: str, token: str, people: People) -> None:
    q = f"{fold(people.surname)} nguyen van an"
    # "an" is typed last, so it is a prefix: Anh and Ánh match too, Bình does not.
    expected = _expected(people.rows, {fold(people.surname), "nguyen", "van"}, "an")
    assert len(expected) == 10
    assert await _all_pages(api, token, q=q, limit="3") == expected
    assert await _all_pages(api, token, q=q, limit="4", sort="-name") == expected[::-1]
    assert await _all_pages(api, token, q=q, limit="2", sort="cif") == sorted(expected)
    inactive = await _all_pages(api, token, q=q, limit="3", status="INACTIVE")
    assert [people.rows[c][0] for c in inactive] == [f"{people.surname} Nguyễn Văn Ánh"]


async def test_a_renamed_or_new_name_is_found_at_once(api: str, token: str, people: People) -> None:
    surname = fold(people.surname)
    binh = sorted(c for c, (name, *_) in people.rows.items() if name.endswith("Bình"))
    renamed, newcomer = binh[0], f"{people.tag}NEW"
    rows = {
        **people.rows,
        renamed: (f"{people.surname} Nguyễn Văn An Khang", "ACTIVE", False),
        newcomer: (f"{people.surname} Hồ Thị Khánh", "ACTIVE", False),
    }
    later = NOW + timedelta(seconds=1)
    await people.sink.write([_row(c, *rows[c], later) for c in (renamed, newcomer)])
    assert await _all_pages(api, token, q=f"{surname} khang") == [renamed]
    assert await _all_pages(api, token, q=f"{surname} kha") == [newcomer, renamed]
    assert await _all_pages(api, token, q=f"{surname} binh") == binh[1:]
    # The renamed customer takes its new name's place in the name order.
    expected = _expected(rows, {surname, "nguyen", "van"}, "an")
    assert renamed in expected
    assert await _all_pages(api, token, q=f"{surname} nguyen van an", limit="5") == expected
