"""Amounts in words, as printed on receipts: Vietnamese reading rules and English."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.amount_words import in_words

D = Decimal


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Không đồng"),
        (1, "Một đồng"),
        (5, "Năm đồng"),
        (10, "Mười đồng"),
        (11, "Mười một đồng"),
        (14, "Mười bốn đồng"),
        (15, "Mười lăm đồng"),
        (20, "Hai mươi đồng"),
        (21, "Hai mươi mốt đồng"),
        (24, "Hai mươi tư đồng"),
        (25, "Hai mươi lăm đồng"),
        (55, "Năm mươi lăm đồng"),
        (91, "Chín mươi mốt đồng"),
        (100, "Một trăm đồng"),
        (101, "Một trăm linh một đồng"),
        (104, "Một trăm linh bốn đồng"),
        (105, "Một trăm linh năm đồng"),
        (110, "Một trăm mười đồng"),
        (111, "Một trăm mười một đồng"),
        (115, "Một trăm mười lăm đồng"),
        (1000, "Một nghìn đồng"),
        (1001, "Một nghìn không trăm linh một đồng"),
        (1010, "Một nghìn không trăm mười đồng"),
        (1_005_000, "Một triệu không trăm linh năm nghìn đồng"),
        (1_000_005, "Một triệu không trăm linh năm đồng"),
        (1_500_000, "Một triệu năm trăm nghìn đồng"),
        (2_600_000, "Hai triệu sáu trăm nghìn đồng"),
        (15_021_000, "Mười lăm triệu không trăm hai mươi mốt nghìn đồng"),
        (2_000_000_000, "Hai tỷ đồng"),
        (2_000_000_005, "Hai tỷ không trăm linh năm đồng"),
        (1_000_000_000_000, "Một nghìn tỷ đồng"),
        (1_500_000_000_000, "Một nghìn năm trăm tỷ đồng"),
        (
            999_999_999_999,
            "Chín trăm chín mươi chín tỷ chín trăm chín mươi chín triệu"
            " chín trăm chín mươi chín nghìn chín trăm chín mươi chín đồng",
        ),
        (10**15, "Một triệu tỷ đồng"),
    ],
)
def test_vietnamese_dong(amount: int, words: str) -> None:
    assert in_words(D(amount), "VND", "vi") == words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Zero dong"),
        (1, "One dong"),
        (15, "Fifteen dong"),
        (21, "Twenty-one dong"),
        (105, "One hundred five dong"),
        (1_005_000, "One million five thousand dong"),
        (1_500_000, "One million five hundred thousand dong"),
        (2_000_000_000, "Two billion dong"),
        (1_000_000_000_000, "One trillion dong"),
        (10**15, "One quadrillion dong"),
    ],
)
def test_english_dong(amount: int, words: str) -> None:
    assert in_words(D(amount), "VND", "en") == words


@pytest.mark.parametrize(
    ("amount", "currency", "lang", "words"),
    [
        ("1234.50", "USD", "en", "One thousand two hundred thirty-four US dollars and fifty cents"),
        ("1234.50", "USD", "vi", "Một nghìn hai trăm ba mươi tư đô la Mỹ và năm mươi xu"),
        ("1.00", "USD", "en", "One US dollar"),
        ("1.01", "USD", "en", "One US dollar and one cent"),
        ("0.05", "USD", "vi", "Năm xu"),
        ("0.15", "EUR", "en", "Fifteen cents"),
        ("0", "USD", "en", "Zero US dollars"),
        ("20.25", "EUR", "vi", "Hai mươi euro và hai mươi lăm xu"),
        ("2.00", "EUR", "en", "Two euros"),
        ("1000", "JPY", "vi", "Một nghìn yên Nhật"),
        ("1500000.00", "VND", "vi", "Một triệu năm trăm nghìn đồng"),
        # A currency without words here: its ISO code, hundredths as on a cheque.
        ("12.34", "SGD", "en", "Twelve SGD and 34/100"),
        ("12", "SGD", "vi", "Mười hai SGD"),
    ],
)
def test_other_currencies_and_cents(amount: str, currency: str, lang: str, words: str) -> None:
    assert in_words(D(amount), currency, lang) == words


@pytest.mark.parametrize(
    ("amount", "currency", "lang"),
    [
        ("-1", "VND", "vi"),  # a receipt never shows a negative amount
        ("10.50", "VND", "vi"),  # the dong has no minor unit in use: never rounded away
        ("1.005", "USD", "en"),  # a third decimal is not a cent
        ("NaN", "USD", "en"),
        (str(10**18), "VND", "vi"),
        ("1", "VND", "fr"),
    ],
)
def test_what_cannot_be_read_is_refused(amount: str, currency: str, lang: str) -> None:
    with pytest.raises(ValueError):
        in_words(D(amount), currency, lang)
