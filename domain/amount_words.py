"""An amount of money in words, in Vietnamese or English, as printed on a receipt."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Lang = Literal["vi", "en"]
LANGS: tuple[Lang, ...] = ("vi", "en")

# Numeric(18, 2) holds amounts below 10^16; reading goes a little further, to 10^18.
_LIMIT = 10**18


@dataclass(frozen=True)
class CurrencyWords:
    vi: str
    en_one: str
    en_many: str
    # Minor unit; None for a currency without one in use (VND, JPY).
    vi_minor: str | None = None
    en_minor_one: str | None = None
    en_minor_many: str | None = None


CURRENCY_WORDS: dict[str, CurrencyWords] = {
    "VND": CurrencyWords("đồng", "dong", "dong"),
    "USD": CurrencyWords("đô la Mỹ", "US dollar", "US dollars", "xu", "cent", "cents"),
    "EUR": CurrencyWords("euro", "euro", "euros", "xu", "cent", "cents"),
    "JPY": CurrencyWords("yên Nhật", "Japanese yen", "Japanese yen"),
}

_VI_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_EN_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
    " fifteen sixteen seventeen eighteen nineteen"
).split()
_EN_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_EN_SCALES = ("", "thousand", "million", "billion", "trillion", "quadrillion")


def _vi_group(n: int, full: bool) -> list[str]:
    """Read 1..999; `full` reads the hundreds even when zero (a group after a higher one)."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if full or hundreds:
        words += [_VI_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            words += ["linh", _VI_DIGITS[units]] if words else [_VI_DIGITS[units]]
        return words
    words += ["mười"] if tens == 1 else [_VI_DIGITS[tens], "mươi"]
    if units == 1 and tens >= 2:
        words.append("mốt")
    elif units == 4 and tens >= 2:
        words.append("tư")
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(_VI_DIGITS[units])
    return words


def _vi_below_billion(n: int, full: bool) -> list[str]:
    words: list[str] = []
    for scale, name in ((10**6, "triệu"), (10**3, "nghìn"), (1, "")):
        group = n // scale % 1000
        if group:
            words += _vi_group(group, full or bool(words))
            if name:
                words.append(name)
    return words


def _vi_number(n: int, full: bool = False) -> list[str]:
    """Read n > 0; tỷ (10^9) repeats above itself: 10^12 is "một nghìn tỷ"."""
    high, low = divmod(n, 10**9)
    words = [*_vi_number(high, full), "tỷ"] if high else []
    if low:
        words += _vi_below_billion(low, full or bool(words))
    return words


def _en_number(n: int) -> list[str]:
    words: list[str] = []
    for power in range(len(_EN_SCALES) - 1, -1, -1):
        group = n // 1000**power % 1000
        if not group:
            continue
        hundreds, rest = divmod(group, 100)
        if hundreds:
            words += [_EN_ONES[hundreds], "hundred"]
        if rest >= 20:
            tens, units = divmod(rest, 10)
            words.append(_EN_TENS[tens] + (f"-{_EN_ONES[units]}" if units else ""))
        elif rest:
            words.append(_EN_ONES[rest])
        if _EN_SCALES[power]:
            words.append(_EN_SCALES[power])
    return words


def _read(n: int, lang: Lang) -> str:
    if n == 0:
        return "không" if lang == "vi" else "zero"
    return " ".join(_vi_number(n) if lang == "vi" else _en_number(n))


def _split(amount: Decimal, has_minor: bool) -> tuple[int, int]:
    """Whole units and hundredths; refuse what the currency cannot hold rather than round."""
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"cannot read {amount} in words")
    whole = int(amount)
    if whole >= _LIMIT:
        raise ValueError(f"{amount} is too large to read in words")
    hundredths = (amount - whole) * 100
    if hundredths != int(hundredths) or (hundredths and not has_minor):
        raise ValueError(f"{amount} has more decimals than the currency")
    return whole, int(hundredths)


def in_words(amount: Decimal, currency: str, lang: str) -> str:
    """Spell the amount with its currency, first letter capitalised."""
    if lang not in LANGS:
        raise ValueError(f"language must be one of {', '.join(LANGS)}")
    language: Lang = "vi" if lang == "vi" else "en"
    code = currency.upper()
    known = CURRENCY_WORDS.get(code)
    # An unknown currency: its ISO code, and hundredths the way cheques write them.
    has_minor = known is None or known.vi_minor is not None
    whole, cents = _split(amount, has_minor)
    parts: list[str] = []
    if whole or not cents:
        if language == "vi":
            unit = known.vi if known else code
        else:
            unit = code if known is None else known.en_one if whole == 1 else known.en_many
        parts.append(f"{_read(whole, language)} {unit}")
    if cents:
        if known is None:
            minor = f"{cents}/100"
        elif language == "vi":
            minor = f"{_read(cents, language)} {known.vi_minor}"
        else:
            name = known.en_minor_one if cents == 1 else known.en_minor_many
            minor = f"{_read(cents, language)} {name}"
        parts.append(minor)
    text = (" và " if language == "vi" else " and ").join(parts)
    return text[0].upper() + text[1:]
