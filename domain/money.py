"""Money rules: amounts are Decimal with the currency's minor-unit scale."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from domain.errors import ValidationError

# ISO 4217 minor units of the currencies a Vietnamese bank's loans are held in.
CURRENCY_SCALE: dict[str, int] = {"VND": 0, "USD": 2, "EUR": 2, "JPY": 0}
# Avro decimal(18, 2) bounds every amount the CRM stores.
MAX_AMOUNT = Decimal("9999999999999999.99")


def parse_amount(value: Any, currency: str, *, field: str = "amount") -> Decimal:
    """Turn a JSON value into a positive Decimal within the currency's scale."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        # Floats never reach here: JSON bodies are parsed with Decimal for numbers.
        raise ValidationError("amount must be a decimal number or string", field=field)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValidationError(f"{value!r} is not a decimal number", field=field) from exc
    if not amount.is_finite() or amount <= 0:
        raise ValidationError("amount must be greater than zero", field=field)
    if amount > MAX_AMOUNT:
        raise ValidationError("amount is too large", field=field)
    scale = CURRENCY_SCALE[currency]
    exponent = amount.as_tuple().exponent
    if (
        isinstance(exponent, int)
        and -exponent > scale
        and amount != amount.quantize(Decimal(1).scaleb(-scale))
    ):
        raise ValidationError(f"{currency} amounts have at most {scale} decimals", field=field)
    return amount.quantize(Decimal("0.01"))


def parse_currency(value: Any, *, field: str = "currency") -> str:
    if not isinstance(value, str) or value.upper() not in CURRENCY_SCALE:
        known = ", ".join(sorted(CURRENCY_SCALE))
        raise ValidationError(f"currency must be one of {known}", field=field)
    return value.upper()
