"""The workflow service's copy of customers' regions, from sync.address records."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from agents.workflow_regions import address_row
from domain.sync_entities import Address
from streams.dlq import BadMessage

AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def address(**kw: Any) -> Address:
    values: dict[str, Any] = {
        "source_system": "T24",
        "source_ts": AT,
        "source_record_id": "C1-HOME",
        "cif": "C1",
        "type": "HOME",
        "line1": "12 Lê Lợi",
        "city": "Cần Thơ",
        "is_primary": True,
    }
    values.update(kw)
    return Address(**values)


def test_the_region_is_the_province_of_the_address() -> None:
    row = address_row(b"C1|HOME", b"x", lambda _: address())
    assert row == {
        "cif": "C1",
        "address_type": "HOME",
        "region": "Cần Thơ",
        "is_primary": True,
        "source_ts": AT,
    }


def test_a_deleted_address_or_a_tombstone_has_no_region() -> None:
    deleted = address_row(b"C1|HOME", b"x", lambda _: address(is_deleted=True))
    assert (deleted["region"], deleted["is_primary"]) == (None, False)
    gone = address_row(b"C1|HOME", None, lambda _: pytest.fail("a tombstone has no value"))
    assert (gone["cif"], gone["address_type"], gone["region"]) == ("C1", "HOME", None)


@pytest.mark.parametrize("key", [None, b"", b"C1", b"C2|HOME"])
def test_a_record_that_is_not_its_key_is_a_bad_message(key: bytes | None) -> None:
    with pytest.raises(BadMessage):
        address_row(key, b"x", lambda _: address())
