"""Payment receipts: what they show, which payments have one, the PDF, and the view."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from crm.settings import Settings
from domain.errors import Conflict, ValidationError
from domain.receipt import Receipt, build_receipt, format_amount, parse_lang
from security.access import AccessChecker
from security.jwks import LocalJwks
from security.keys import KeySet
from security.tokens import TokenIssuer, TokenVerifier
from streams.app import aiohttp_app
from streams.avro import codec_for
from streams.services import build_app
from web.jsonio import dumps
from web.payment_receipt import wants_pdf
from web.receipt_pdf import render_pdf

D = Decimal
BANK = "Ngân hàng TMCP Phương Nam (demo)"
WORDS_VI = "Một triệu năm trăm nghìn đồng"


def payment(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "reference_number": "FT2633400123",
        "loan_account_number": "LD2401234567",
        "cif": "CIF900000001",
        "amount": D("1500000.00"),
        "currency": "VND",
        "paid_at": datetime(2026, 11, 20, 3, 15, tzinfo=UTC),
        "channel": "MOBILE",
        "payer": "NGUYEN VAN AN",
        "source": "GATEWAY",
        "kind": "PAYMENT",
        "status": "APPLIED",
        "reason": None,
        "received_at": datetime(2026, 11, 20, 3, 15, 2, tzinfo=UTC),
        "applied_at": datetime(2026, 11, 20, 3, 15, 3, tzinfo=UTC),
        "updated_at": datetime(2026, 11, 20, 3, 15, 3, tzinfo=UTC),
        "original_reference_number": None,
    }
    row.update(overrides)
    return row


LINES: list[dict[str, Any]] = [
    {"component": "PENALTY", "due_date": date(2026, 10, 5), "amount": D("50000.00")},
    {"component": "INTEREST", "due_date": date(2026, 10, 5), "amount": D("300000.00")},
    {"component": "PRINCIPAL", "due_date": None, "amount": D("1150000.00")},
]


def receipt(lang: str = "vi", **overrides: Any) -> Receipt:
    return build_receipt(
        payment(**overrides),
        LINES,
        customer_name="Nguyễn Văn An",
        bank_name=BANK,
        time_zone="Asia/Ho_Chi_Minh",
        lang=parse_lang(lang),
    )


def test_receipt_json_of_an_applied_payment() -> None:
    body = receipt().to_json()
    assert body["title"] == "BIÊN LAI THANH TOÁN"
    assert body["bankName"] == BANK
    assert body["customer"] == {"cif": "CIF900000001", "name": "Nguyễn Văn An"}
    assert (body["amountText"], body["amountInWords"]) == ("1.500.000 VND", WORDS_VI)
    # In the bank's time zone, not UTC.
    assert body["paidAt"].isoformat() == "2026-11-20T10:15:00+07:00"
    assert body["receiptAt"].isoformat() == "2026-11-20T10:15:03+07:00"
    assert [(a["componentLabel"], a["dueDate"], a["amountText"]) for a in body["allocation"]] == [
        ("Tiền phạt", date(2026, 10, 5), "50.000 VND"),
        ("Tiền lãi", date(2026, 10, 5), "300.000 VND"),
        ("Tiền gốc", None, "1.150.000 VND"),
    ]
    assert (body["status"], body["statusLabel"], body["reversed"], body["mark"]) == (
        "APPLIED",
        "Đã hạch toán",
        False,
        None,
    )
    assert '"amount": "1500000.00"' in dumps(body)


def test_english_receipt_and_a_reversed_one() -> None:
    body = receipt("en", status="REVERSED").to_json()
    assert body["title"] == "PAYMENT RECEIPT"
    assert body["amountInWords"] == "One million five hundred thousand dong"
    assert body["channelLabel"] == "Mobile app"
    assert (body["reversed"], body["mark"]) == (True, "REVERSED / ĐÃ HOÀN")


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        ("1500000.00", "VND", "1.500.000 VND"),
        ("999", "VND", "999 VND"),
        ("1234.5", "USD", "1,234.50 USD"),
        ("1234567.89", "EUR", "1,234,567.89 EUR"),
        ("0.05", "USD", "0.05 USD"),
        ("10.50", "VND", "10,50 VND"),  # shown, never rounded away
    ],
)
def test_figures(amount: str, currency: str, text: str) -> None:
    assert format_amount(D(amount), currency) == text


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"status": "SUSPENSE"}, "suspense"),
        ({"status": "FAILED"}, "FAILED"),
        ({"kind": "REVERSAL", "original_reference_number": "FT1"}, "FT1"),
    ],
)
def test_only_applied_or_reversed_payments_have_receipts(
    overrides: dict[str, Any], words: str
) -> None:
    with pytest.raises(Conflict) as refused:
        receipt(**overrides)
    assert refused.value.code == "RECEIPT_NOT_AVAILABLE"
    assert words in refused.value.message


def test_language_is_vietnamese_unless_english_is_asked_for() -> None:
    assert (parse_lang(None), parse_lang("en"), parse_lang("VI")) == ("vi", "en", "vi")
    with pytest.raises(ValidationError) as refused:
        parse_lang("fr")
    assert refused.value.field == "lang"


@pytest.mark.parametrize(
    ("accept", "pdf"),
    [
        ("application/pdf", True),
        ("application/json, application/pdf;q=0.5", True),
        ("application/pdf;q=0", False),
        ("*/*", False),
        ("", False),
    ],
)
def test_accept_header(accept: str, pdf: bool) -> None:
    assert wants_pdf(accept) is pdf


# -- The PDF: its text, read back through the fonts' ToUnicode maps (no PDF library here).

_OBJECT = re.compile(rb"(\d+) 0 obj\n(.*?)\nendobj", re.S)
_STREAM = re.compile(rb"stream\n(.*?)\nendstream", re.S)
_SHOW = re.compile(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", re.S)
_ESCAPES = {b"n": 10, b"r": 13, b"t": 9, b"b": 8, b"f": 12}


def _unescape(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        if raw[i : i + 1] != b"\\":
            out.append(raw[i])
            i += 1
        elif octal := re.match(rb"[0-7]{1,3}", raw[i + 1 :]):
            out.append(int(octal.group(), 8))
            i += 1 + len(octal.group())
        else:
            nxt = raw[i + 1 : i + 2]
            out.append(_ESCAPES.get(nxt, nxt[0]))
            i += 2
    return bytes(out)


def pdf_text(pdf: bytes) -> str:
    """Every string the (uncompressed) PDF shows, one per line."""
    objects = {int(n): body for n, body in _OBJECT.findall(pdf)}

    def stream(n: int) -> bytes:
        found = _STREAM.search(objects[n])
        assert found is not None
        return found.group(1)

    cmaps: dict[int, dict[int, str]] = {}
    for n, body in objects.items():
        if to_unicode := re.search(rb"/ToUnicode (\d+) 0 R", body):
            pairs = re.findall(rb"<([0-9A-F]{4})> <([0-9A-F]+)>", stream(int(to_unicode[1])))
            cmaps[n] = {int(a, 16): bytes.fromhex(b.decode()).decode("utf-16-be") for a, b in pairs}
    fonts = {
        name: cmaps[int(ref)]
        for body in objects.values()
        for name, ref in re.findall(rb"/(F\d+) (\d+) 0 R", body)
    }
    shown: list[str] = []
    for body in objects.values():
        content = _STREAM.search(body)
        if b"BT" not in body or content is None:
            continue
        cmap: dict[int, str] = {}
        for op in _SHOW.finditer(content.group(1)):
            if op[1]:
                cmap = fonts[op[1]]
                continue
            codes = _unescape(op[2])
            shown.append(
                "".join(cmap[int.from_bytes(codes[i : i + 2])] for i in range(0, len(codes), 2))
            )
    return "\n".join(shown)


def test_pdf_shows_the_receipt_in_vietnamese() -> None:
    pdf = render_pdf(receipt(), compress=False)
    assert pdf.startswith(b"%PDF-")
    lines = pdf_text(pdf).splitlines()
    for expected in ("BIÊN LAI THANH TOÁN", "FT2633400123", "Nguyễn Văn An", WORDS_VI):
        assert expected in lines
    assert "20/11/2026 10:15:00 (UTC+07:00)" in lines
    assert ["Tiền gốc", "Chưa đến hạn", "1.150.000 VND"] == lines[lines.index("Tiền gốc") :][:3]
    assert "REVERSED / ĐÃ HOÀN" not in lines


def test_pdf_of_a_reversed_payment_is_marked_and_english_is_english() -> None:
    text = pdf_text(render_pdf(receipt("en", status="REVERSED"), compress=False))
    assert "REVERSED / ĐÃ HOÀN" in text.splitlines()
    assert "PAYMENT RECEIPT" in text and "One million five hundred thousand dong" in text


def test_rendering_is_deterministic() -> None:
    first = render_pdf(receipt())
    assert first.startswith(b"%PDF-")
    assert render_pdf(receipt()) == first
    assert render_pdf(receipt(applied_at=datetime(2026, 11, 21, tzinfo=UTC))) != first


# -- The view, with a stand-in for PostgreSQL and the broker.


class FakePool:
    def __init__(self, payments: list[dict[str, Any]]) -> None:
        self.payments = {p["reference_number"]: p for p in payments}

    async def fetchrow(self, sql: str, ref: str) -> dict[str, Any] | None:
        assert "FROM payments.payment " in sql
        return self.payments.get(ref)

    async def fetch(self, sql: str, ref: str) -> list[dict[str, Any]]:
        assert "ORDER BY line_no" in sql
        return LINES if ref in self.payments else []

    async def fetchval(self, sql: str, cif: str) -> str | None:
        assert "sync_entities.customer" in sql
        return "Nguyễn Văn An" if cif == "CIF900000001" else None

    async def close(self) -> None:
        return None


class RecordingPublisher:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []

    async def publish(self, topic: str, records: list[tuple[bytes, bytes]]) -> None:
        self.sent += [(topic, k, v) for k, v in records]


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[TestClient, dict[str, str], Any]]:
    keys = KeySet.load_or_create(tmp_path / "jwt")
    app = build_app(Settings(store="memory://", data_dir=tmp_path), "payments")
    app.access = AccessChecker(TokenVerifier(LocalJwks(keys), "crm-auth", "crm"), app.revocations)
    app._pool = FakePool([payment(), payment(reference_number="FT-HELD", status="SUSPENSE")])
    app._publisher = RecordingPublisher()  # type: ignore[assignment]
    async with TestClient(TestServer(aiohttp_app(app))) as client:
        yield client, bearer(tmp_path, "SUPERVISOR"), app


def bearer(tmp_path: Path, role: str) -> dict[str, str]:
    """A token of `role` with payments:read, signed with the served app's keys."""
    keys = KeySet.load_or_create(tmp_path / "jwt")
    token = (
        TokenIssuer(keys, "crm-auth", "crm", timedelta(minutes=15))
        .issue(
            subject="u-1",
            session_id="s-1",
            roles=[role],
            permissions=["payments:read"],
            now=datetime.now(UTC),
        )
        .token
    )
    return {"Authorization": f"Bearer {token}"}


async def test_an_agent_sees_no_receipt_of_a_customer_outside_their_scope(
    served: Any, tmp_path: Path
) -> None:
    client, _, app = served
    resp = await client.get("/api/payments/receipt/FT2633400123", headers=bearer(tmp_path, "AGENT"))
    assert resp.status == 404
    assert (await resp.json())["code"] == "PAYMENT_NOT_FOUND"
    assert app._publisher.sent == [], "nothing was shown, so nothing is audited"


async def test_view_answers_json_then_pdf_and_audits_each_read(served: Any) -> None:
    client, auth, app = served
    resp = await client.get("/api/payments/receipt/FT2633400123?lang=en", headers=auth)
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert (body["referenceNumber"], body["amountInWords"]) == (
        "FT2633400123",
        "One million five hundred thousand dong",
    )
    resp = await client.get(
        "/api/payments/receipt/FT2633400123", headers={**auth, "Accept": "application/pdf"}
    )
    assert resp.status == 200
    assert resp.content_type == "application/pdf"
    assert resp.headers["Content-Disposition"] == 'inline; filename="receipt-FT2633400123.pdf"'
    assert (await resp.read()).startswith(b"%PDF-")
    events = [codec_for(app.settings).decode(v)[1] for _, _, v in app._publisher.sent]
    reads = [(e["eventType"], e["details"]["cif"], e["details"]["resource"]) for e in events]
    assert reads == [("DATA_ACCESS", "CIF900000001", "receipt")] * 2


@pytest.mark.parametrize(
    ("path", "status", "code", "field"),
    [
        ("/api/payments/receipt/FT-HELD", 409, "RECEIPT_NOT_AVAILABLE", None),
        ("/api/payments/receipt/FT-NONE", 404, "PAYMENT_NOT_FOUND", "referenceNumber"),
        ("/api/payments/receipt/FT2633400123?lang=fr", 400, "INVALID_LANG", "lang"),
    ],
)
async def test_view_problems(
    served: Any, path: str, status: int, code: str, field: str | None
) -> None:
    client, auth, app = served
    resp = await client.get(path, headers=auth)
    assert resp.status == status
    body = await resp.json()
    assert (body["code"], body.get("field")) == (code, field)
    assert app._publisher.sent == []
