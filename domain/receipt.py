"""A payment receipt: which payments have one, what it shows, and its figures and words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from domain.amount_words import LANGS, Lang, in_words
from domain.errors import Conflict, ValidationError
from domain.money import CURRENCY_SCALE

RECEIPT_STATUSES = ("APPLIED", "REVERSED")
REVERSED_MARK = "REVERSED / ĐÃ HOÀN"

TEXTS: dict[Lang, dict[str, str]] = {
    "vi": {
        "title": "BIÊN LAI THANH TOÁN",
        "reference": "Số tham chiếu",
        "cif": "Mã khách hàng (CIF)",
        "customer": "Tên khách hàng",
        "loan": "Số tài khoản vay",
        "amount": "Số tiền",
        "in_words": "Số tiền bằng chữ",
        "paid_at": "Thời gian thanh toán",
        "receipt_at": "Thời gian ghi nhận",
        "channel": "Kênh thanh toán",
        "status": "Trạng thái",
        "allocation": "Phân bổ",
        "component": "Khoản",
        "due_date": "Ngày đến hạn",
        "not_due": "Chưa đến hạn",
        "footer": "Biên lai điện tử, ghi nhận lúc",
    },
    "en": {
        "title": "PAYMENT RECEIPT",
        "reference": "Reference number",
        "cif": "Customer (CIF)",
        "customer": "Customer name",
        "loan": "Loan account number",
        "amount": "Amount",
        "in_words": "Amount in words",
        "paid_at": "Payment time",
        "receipt_at": "Receipt time",
        "channel": "Channel",
        "status": "Status",
        "allocation": "Allocation",
        "component": "Component",
        "due_date": "Due date",
        "not_due": "Not yet due",
        "footer": "Electronic receipt, recorded at",
    },
}

_LABELS: dict[Lang, dict[str, str]] = {
    "vi": {
        "PENALTY": "Tiền phạt",
        "FEES": "Phí",
        "INTEREST": "Tiền lãi",
        "PRINCIPAL": "Tiền gốc",
        "BRANCH": "Tại quầy",
        "ATM": "ATM",
        "MOBILE": "Ứng dụng di động",
        "INTERNET_BANKING": "Ngân hàng trực tuyến",
        "AGENT": "Đại lý thu hộ",
        "AUTO_DEBIT": "Trích nợ tự động",
        "MANUAL": "Nhập thủ công",
        "APPLIED": "Đã hạch toán",
        "REVERSED": REVERSED_MARK,
    },
    "en": {
        "PENALTY": "Penalty",
        "FEES": "Fees",
        "INTEREST": "Interest",
        "PRINCIPAL": "Principal",
        "BRANCH": "Branch",
        "ATM": "ATM",
        "MOBILE": "Mobile app",
        "INTERNET_BANKING": "Internet banking",
        "AGENT": "Collection agent",
        "AUTO_DEBIT": "Auto debit",
        "MANUAL": "Entered by hand",
        "APPLIED": "Applied",
        "REVERSED": REVERSED_MARK,
    },
}


def parse_lang(value: str | None) -> Lang:
    """The receipt's language: Vietnamese unless `en` is asked for."""
    if value is None:
        return "vi"
    for lang in LANGS:
        if value.lower() == lang:
            return lang
    raise ValidationError("lang must be vi or en", field="lang", code="INVALID_LANG")


def check_receipt_available(payment: Mapping[str, Any]) -> None:
    """Only a payment applied to its loan (or applied, then reversed) has a receipt."""
    status = payment["status"]
    if payment.get("kind") == "REVERSAL":
        original = payment.get("original_reference_number") or "the original payment"
        detail = f"A reversal has no receipt; the receipt of {original} shows it reversed."
    elif status == "SUSPENSE":
        detail = "The payment is held in suspense (its loan is not known yet); no receipt."
    elif status == "FAILED":
        detail = "The payment was refused (FAILED); it has no receipt."
    elif status not in RECEIPT_STATUSES:
        detail = f"A payment in status {status} has no receipt."
    else:
        return
    raise Conflict(detail, code="RECEIPT_NOT_AVAILABLE")


def format_amount(amount: Decimal, currency: str) -> str:
    """Figures as printed: VND `1.500.000 VND`, others `1,234.50 USD`."""
    scale = CURRENCY_SCALE.get(currency, 2)
    shown = amount.quantize(Decimal(1).scaleb(-scale))
    if shown != amount:
        # More decimals than the currency uses: show them rather than round money.
        shown = amount.quantize(Decimal("0.01"))
    places = max(0, -int(shown.as_tuple().exponent))
    text = f"{shown:,.{places}f}"
    if currency == "VND":
        text = text.translate(str.maketrans(",.", ".,"))
    return f"{text} {currency}"


def format_time(moment: datetime) -> str:
    """`20/11/2026 17:15:00 (UTC+07:00)`: day first, as Vietnamese documents write it."""
    offset = f"{moment:%z}" or "+0000"
    return f"{moment:%d/%m/%Y %H:%M:%S} (UTC{offset[:3]}:{offset[3:]})"


def format_date(day: date) -> str:
    return f"{day:%d/%m/%Y}"


@dataclass(frozen=True)
class ReceiptLine:
    component: str
    label: str
    due_date: date | None
    amount: Decimal
    amount_text: str


@dataclass(frozen=True)
class Receipt:
    lang: Lang
    bank_name: str
    reference_number: str
    cif: str | None
    customer_name: str | None
    loan_account_number: str
    amount: Decimal
    currency: str
    amount_text: str
    amount_in_words: str
    lines: tuple[ReceiptLine, ...]
    paid_at: datetime
    # When the bank applied the payment: the moment the receipt attests (stable, so the
    # same receipt always renders the same).
    receipt_at: datetime
    time_zone: str
    channel: str
    status: str

    @property
    def reversed(self) -> bool:
        return self.status == "REVERSED"

    def text(self, key: str) -> str:
        return TEXTS[self.lang][key]

    def label(self, code: str) -> str:
        return _LABELS[self.lang].get(code, code)

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.lang,
            "title": self.text("title"),
            "bankName": self.bank_name,
            "referenceNumber": self.reference_number,
            "customer": {"cif": self.cif, "name": self.customer_name},
            "loanAccountNumber": self.loan_account_number,
            "amount": self.amount,
            "currency": self.currency,
            "amountText": self.amount_text,
            "amountInWords": self.amount_in_words,
            "allocation": [
                {
                    "component": line.component,
                    "componentLabel": line.label,
                    "dueDate": line.due_date,
                    "amount": line.amount,
                    "amountText": line.amount_text,
                }
                for line in self.lines
            ],
            "paidAt": self.paid_at,
            "receiptAt": self.receipt_at,
            "timeZone": self.time_zone,
            "channel": self.channel,
            "channelLabel": self.label(self.channel),
            "status": self.status,
            "statusLabel": self.label(self.status),
            "reversed": self.reversed,
            "mark": REVERSED_MARK if self.reversed else None,
        }


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone)


def build_receipt(
    payment: Mapping[str, Any],
    allocation: Sequence[Mapping[str, Any]],
    *,
    customer_name: str | None,
    bank_name: str,
    time_zone: str,
    lang: Lang,
) -> Receipt:
    """The receipt of a payment row (payments.payment) and its allocation lines, in order."""
    check_receipt_available(payment)
    zone = ZoneInfo(time_zone)
    currency = payment["currency"]
    amount = payment["amount"]
    labels = _LABELS[lang]
    lines = tuple(
        ReceiptLine(
            component=row["component"],
            label=labels.get(row["component"], row["component"]),
            due_date=row["due_date"],
            amount=row["amount"],
            amount_text=format_amount(row["amount"], currency),
        )
        for row in allocation
    )
    return Receipt(
        lang=lang,
        bank_name=bank_name,
        reference_number=payment["reference_number"],
        cif=payment["cif"],
        customer_name=customer_name,
        loan_account_number=payment["loan_account_number"],
        amount=amount,
        currency=currency,
        amount_text=format_amount(amount, currency),
        amount_in_words=in_words(amount, currency, lang),
        lines=lines,
        paid_at=_local(payment["paid_at"], zone),
        receipt_at=_local(payment["applied_at"] or payment["received_at"], zone),
        time_zone=time_zone,
        channel=payment["channel"],
        status=payment["status"],
    )
