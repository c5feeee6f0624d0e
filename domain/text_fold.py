"""Fold Vietnamese (and any Latin) text for search: no accents, lower case, single spaces."""

from __future__ import annotations

import unicodedata

# Đ/đ is a letter of its own, not D with a combining mark: NFD leaves it alone.
_LETTERS = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Return `text` as search compares it: "Nguyễn  Văn A" → "nguyen van a"."""
    decomposed = unicodedata.normalize("NFD", text.translate(_LETTERS))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.lower().split())
