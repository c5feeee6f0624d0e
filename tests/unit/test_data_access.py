"""A personal-data read becomes a DATA_ACCESS auth event whose audit row names the customer."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import make_mocked_request

from crm.settings import Settings
from security.data_access import record_data_access
from streams.auth_events import audit_row
from streams.avro import codec_for
from streams.services import build_app
from web.auth import PRINCIPAL, Principal


class RecordingPublisher:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []

    async def publish(self, topic: str, records: list[tuple[bytes, bytes]]) -> None:
        self.sent += [(topic, k, v) for k, v in records]


async def test_data_access_is_published_and_audited_with_the_cif(tmp_path: Path) -> None:
    app = build_app(Settings(store="memory://", data_dir=tmp_path), "sync")
    publisher = RecordingPublisher()
    app._publisher = publisher  # type: ignore[assignment]
    request = make_mocked_request("GET", "/api/customers/100234")
    request[PRINCIPAL] = Principal(
        user_id="u-7", permissions=frozenset({"customers:read"}), session_id="s-7"
    )
    await record_data_access(app, request, "100234")
    ((topic, _, value),) = publisher.sent
    _, event = codec_for(app.settings).decode(value)
    assert topic == "auth.events" and event["eventType"] == "DATA_ACCESS"
    row = audit_row(event, service=None)
    assert (row["customer_cif"], row["actor"], row["service"]) == ("100234", "u-7", "sync")
    assert row["details"]["path"] == "/api/customers/100234"
