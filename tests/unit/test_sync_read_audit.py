"""Every customer a read returns is audited under its CIF; no audit, no data (503)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from crm.settings import Settings
from security.row_rules import EVERYTHING, NOTHING, Scope
from streams.app import CrmApp
from streams.auth_events import audit_rows
from streams.avro import codec_for
from streams.services import build_app
from web.auth import PRINCIPAL, Principal
from web.problems import ProblemError
from web.sync_access import audit_reads, scope_cifs


class RecordingPublisher:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.batches: list[list[tuple[str, bytes]]] = []

    async def publish(self, topic: str, records: list[tuple[bytes, bytes]]) -> None:
        if self.fail:
            raise RuntimeError("broker away")
        self.batches.append([(topic, value) for _, value in records])


def mocked(tmp_path: Path, publisher: RecordingPublisher) -> tuple[CrmApp, web.Request]:
    app = build_app(Settings(store="memory://", data_dir=tmp_path), "sync")
    app._publisher = publisher  # type: ignore[assignment]
    request = make_mocked_request("GET", "/api/customers?q=nguyen")
    request[PRINCIPAL] = Principal(
        user_id="u-7", permissions=frozenset({"customers:read"}), session_id="s-7"
    )
    return app, request


async def test_a_page_of_customers_is_one_event_and_an_audit_row_per_cif(tmp_path: Path) -> None:
    publisher = RecordingPublisher()
    app, request = mocked(tmp_path, publisher)
    reads = [("100234", "customer_search"), ("100300", "customer_search")]
    await audit_reads(app, request, [*reads, reads[0]])
    (batch,) = publisher.batches
    codec = codec_for(app.settings)
    ((topic, value),) = batch
    rows = audit_rows(codec.decode(value)[1], service=None)
    assert topic == "auth.events"
    assert [(r["action"], r["customer_cif"]) for r in rows] == [
        ("DATA_ACCESS", "100234"),
        ("DATA_ACCESS", "100300"),
    ]
    assert {(r["actor"], r["service"], r["details"]["resource"]) for r in rows} == {
        ("u-7", "sync", "customer_search")
    }
    # One read, two rows: distinct row ids, one shared event id to find the page by.
    assert len({r["event_id"] for r in rows}) == 2
    assert len({r["details"]["eventId"] for r in rows}) == 1
    assert all("cifs" not in r["details"] for r in rows)


async def test_a_page_mixing_kinds_of_read_is_one_event_per_kind(tmp_path: Path) -> None:
    publisher = RecordingPublisher()
    app, request = mocked(tmp_path, publisher)
    await audit_reads(app, request, [("100234", "loan"), ("100300", "payments")])
    (batch,) = publisher.batches
    codec = codec_for(app.settings)
    rows = [row for _, v in batch for row in audit_rows(codec.decode(v)[1], service=None)]
    assert sorted((r["customer_cif"], r["details"]["resource"]) for r in rows) == [
        ("100234", "loan"),
        ("100300", "payments"),
    ]


def test_a_malformed_customer_list_is_refused_not_half_recorded() -> None:
    record = {
        "eventId": "e1",
        "eventType": "DATA_ACCESS",
        "occurredAt": datetime(2026, 11, 29, tzinfo=UTC),
        "details": {"cifs": '{"not": "a list"}'},
    }
    with pytest.raises(ValueError, match="cifs"):
        audit_rows(record, service=None)


async def test_nothing_read_nothing_audited(tmp_path: Path) -> None:
    publisher = RecordingPublisher()
    app, request = mocked(tmp_path, publisher)
    await audit_reads(app, request, [])
    assert publisher.batches == []


async def test_an_unrecordable_read_is_refused(tmp_path: Path) -> None:
    app, request = mocked(tmp_path, RecordingPublisher(fail=True))
    with pytest.raises(ProblemError) as err:
        await audit_reads(app, request, [("100234", "customer")])
    assert (err.value.status, err.value.code) == (503, "AUDIT_UNAVAILABLE")


@pytest.mark.parametrize(
    ("scope", "cifs"),
    [(EVERYTHING, None), (NOTHING, frozenset()), (Scope(cifs=frozenset({"1"})), frozenset({"1"}))],
)
def test_list_queries_are_limited_to_the_scope(scope: Scope, cifs: frozenset[str] | None) -> None:
    assert scope_cifs(scope) == cifs
