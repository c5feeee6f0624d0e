"""Query parameters of the sync read API, checked before any reaches SQL: a bad one is a 400."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web as aioweb

from domain.sync_entities import CUSTOMER_STATUSES, CUSTOMER_TYPES
from domain.text_fold import fold
from persistence.sync_read_lists import (
    CUSTOMER_SORTS,
    DELINQUENT_SORTS,
    CustomerSearch,
    DelinquentQuery,
    Keyset,
    SearchTerms,
    SortKey,
)
from web.pagination import encode_cursor, page_of, sort_of
from web.problems import ProblemError

MAX_TEXT = 100
MAX_DPD = 100_000
# Fewer characters than this make a substring search match most of the bank.
MIN_FRAGMENT = 4
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PHONE_LIKE = re.compile(r"^\+?[0-9 .()\-]+$")
_ID_LIKE = re.compile(r"^[0-9A-Za-z]+$")


def clean_key(value: str) -> str | None:
    """A path key as stored, or None when it cannot be one (answered as not found)."""
    if not value or len(value) > MAX_TEXT or _CONTROL.search(value):
        return None
    return value


def text_param(request: aioweb.Request, name: str) -> str | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    if len(raw) > MAX_TEXT or _CONTROL.search(raw):
        raise ProblemError(400, "INVALID_PARAMETER", f"{name} is not valid", field=name)
    return raw


def choice_param(request: aioweb.Request, name: str, allowed: tuple[str, ...]) -> str | None:
    raw = text_param(request, name)
    if raw is not None and raw not in allowed:
        detail = f"{name} must be one of {', '.join(allowed)}"
        raise ProblemError(400, "INVALID_PARAMETER", detail, field=name)
    return raw


def int_param(request: aioweb.Request, name: str, low: int, high: int) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9 and low <= int(raw) <= high):
        detail = f"{name} must be a whole number {low}..{high}"
        raise ProblemError(400, "INVALID_PARAMETER", detail, field=name)
    return int(raw)


def search_terms(q: str) -> SearchTerms:
    """Read one search box entry as every kind of key it could be."""
    exact = q.strip()
    folded = fold(exact)
    # Digits and signs alone are a number (phone, national id, CIF, account): searching names
    # for them found nothing real, and a digit prefix's vague estimate drew parallel workers.
    words = tuple(re.findall(r"[a-z0-9]+", folded)) if re.search(r"[a-z]", folded) else ()
    phone: str | None = None
    if _PHONE_LIKE.match(exact):
        digits = re.sub(r"\D", "", exact)
        # Sources hold both 0901234567 and +84901234567: match on the national number.
        if exact.startswith("+84") or (digits.startswith("84") and len(digits) >= 11):
            digits = digits[2:]
        digits = digits.removeprefix("0")
        phone = digits if len(digits) >= MIN_FRAGMENT else None
    fragment = exact if _ID_LIKE.match(exact) and len(exact) >= MIN_FRAGMENT else None
    return SearchTerms(exact=exact, words=words, phone_digits=phone, id_fragment=fragment)


def _keyset(request: aioweb.Request, sorts: Mapping[str, SortKey], default: str) -> Keyset:
    try:
        page = page_of(request)
    except RecursionError:  # a cursor of deeply nested JSON; decode_cursor lets it through
        raise ProblemError(400, "INVALID_CURSOR", "cursor is not valid", field="cursor") from None
    name, descending = sort_of(request, {n: n for n in sorts}, default)
    raw_sort = ("-" if descending else "") + name
    after = None
    if page.after is not None:
        after = _cursor_key(page.after, raw_sort, sorts[name])
    return Keyset(sort=name, descending=descending, limit=page.limit, after=after)


def _cursor_key(values: list[Any], raw_sort: str, key: SortKey) -> tuple[Any, str]:
    """[sort, value, row key]; a cursor of another sort, or a forged one, is a 400."""
    bad = ProblemError(400, "INVALID_CURSOR", "cursor is not valid", field="cursor")
    if len(values) != 3 or values[0] != raw_sort:
        raise bad
    _, value, row_key = values
    if not isinstance(row_key, str) or clean_key(row_key) is None:
        raise bad
    if key.kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value, row_key
    if key.kind is str and isinstance(value, str) and not _CONTROL.search(value):
        return value, row_key
    if key.kind is Decimal and isinstance(value, str):
        try:
            amount = Decimal(value)
        except InvalidOperation:
            raise bad from None
        if amount.is_finite():
            return amount, row_key
    raise bad


def page_json(
    rows: Sequence[Mapping[str, Any]],
    keyset: Keyset,
    shape: Callable[[Mapping[str, Any]], dict[str, Any]],
    sort_column: str,
    key: str,
) -> dict[str, Any]:
    """The page's items and, when rows go on (one more was fetched), the next page's cursor."""
    page = rows[: keyset.limit]
    cursor = None
    if len(rows) > keyset.limit:
        last = page[-1]
        value = last[sort_column]
        sort = ("-" if keyset.descending else "") + keyset.sort
        cursor = encode_cursor(
            [sort, value if isinstance(value, int | str) else str(value), last[key]]
        )
    return {"items": [shape(r) for r in page], "nextCursor": cursor}


def customer_search(request: aioweb.Request, cifs: frozenset[str] | None) -> CustomerSearch:
    q = text_param(request, "q")
    if q is None or len(q.strip()) < 2:
        detail = "q (a name, CIF, national id, phone or account number) needs 2+ characters"
        raise ProblemError(400, "INVALID_PARAMETER", detail, field="q")
    return CustomerSearch(
        terms=search_terms(q),
        page=_keyset(request, CUSTOMER_SORTS, "name"),
        status=choice_param(request, "status", CUSTOMER_STATUSES),
        customer_type=choice_param(request, "type", CUSTOMER_TYPES),
        segment=text_param(request, "segment"),
        cifs=cifs,
    )


def delinquent_query(request: aioweb.Request, cifs: frozenset[str] | None) -> DelinquentQuery:
    dpd_min = int_param(request, "dpd_min", 0, MAX_DPD)
    dpd_max = int_param(request, "dpd_max", 0, MAX_DPD)
    if dpd_min is not None and dpd_max is not None and dpd_min > dpd_max:
        detail = "dpd_max must not be below dpd_min"
        raise ProblemError(400, "INVALID_PARAMETER", detail, field="dpd_max")
    return DelinquentQuery(
        page=_keyset(request, DELINQUENT_SORTS, "-dpd"),
        dpd_min=dpd_min,
        dpd_max=dpd_max,
        delinquency_status=text_param(request, "status"),
        product=text_param(request, "product"),
        cifs=cifs,
    )
