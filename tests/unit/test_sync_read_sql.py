"""The list statements: each search branch appears only when its term exists; scope and keyset."""

from __future__ import annotations

from typing import Any

import pytest

from persistence.sync_read_lists import (
    CustomerSearch,
    DelinquentQuery,
    Keyset,
    SearchTerms,
    delinquent_loans,
    like_escape,
    name_tsquery,
    search_customers,
)


class Capture:
    """Stands in for a connection: keeps the statement and its arguments."""

    sql = ""
    args: tuple[Any, ...] = ()

    async def fetch(self, sql: str, *args: Any, **options: Any) -> list[Any]:
        self.sql, self.args = sql, args
        return []


@pytest.mark.parametrize(
    ("words", "tsquery"),
    [
        (("nguyen", "van", "a"), "'+nguyen+van' & '+van+a':*"),
        (("100234",), "'100234':*"),
        (("an", "nguyen"), "'+an+nguyen':*"),
        # Repeated words count once; a prefix a whole word already satisfies is dropped.
        (("van", "nguyen", "van", "a"), "'+van+nguyen' & '+nguyen+a':*"),
        (("nguyen", "ng"), "'nguyen'"),
        (("tran", "nguyen", "ng"), "'+tran+nguyen'"),
    ],
)
def test_the_last_word_is_a_prefix_of_a_chain_of_pairs(
    words: tuple[str, ...], tsquery: str
) -> None:
    assert name_tsquery(words) == tsquery


def test_like_metacharacters_are_literal() -> None:
    assert like_escape(r"50%_a\b") == r"50\%\_a\\b"


NAMES = "c.name_folded = ANY(ARRAY(SELECT n.name_folded FROM sync_entities.customer_name n WHERE"
MATCH = "sync_entities.name_search_tokens(n.name_folded) @@ $3::tsquery"


async def test_search_uses_only_the_branches_its_terms_allow() -> None:
    conn = Capture()
    terms = SearchTerms(exact="Nguyễn Văn A", words=("nguyen", "van", "a"))
    await search_customers(conn, CustomerSearch(terms, Keyset("name", False, 50)))
    assert f"{NAMES} {MATCH}))" in conn.sql
    assert "LIKE" not in conn.sql and "::text[]" not in conn.sql
    assert conn.args == ("Nguyễn Văn A", 51, "'+nguyen+van' & '+van+a':*")
    # Each part is sorted and limited, and so is their union. In name order the name part
    # is a plain ordered scan that can stop at the page: no CTE to read every match first.
    assert conn.sql.count("ORDER BY c.name_folded ASC, c.cif ASC LIMIT $2") == 2
    assert "MATERIALIZED" not in conn.sql
    assert conn.sql.endswith(") AS found ORDER BY name_folded ASC, cif ASC LIMIT $2")


async def test_a_later_page_in_name_order_skips_the_names_before_it() -> None:
    conn = Capture()
    terms = SearchTerms(exact="nguyen van", words=("nguyen", "van"))
    page = Keyset("name", True, 20, ("nguyen van tam", "100234"))
    await search_customers(conn, CustomerSearch(terms, page))
    assert "(c.name_folded, c.cif) < ($2, $3)" in conn.sql
    assert f"{MATCH.replace('$3', '$5')} AND n.name_folded <= $6))" in conn.sql
    assert conn.args == (
        "nguyen van",
        "nguyen van tam",
        "100234",
        21,
        "'+nguyen+van':*",
        "nguyen van tam",
    )


async def test_in_cif_order_the_names_matches_are_found_before_they_are_sorted() -> None:
    conn = Capture()
    terms = SearchTerms(exact="nguyen", words=("nguyen",))
    await search_customers(conn, CustomerSearch(terms, Keyset("cif", False, 20)))
    assert "WITH named AS MATERIALIZED (SELECT c.cif" in conn.sql
    assert f"{NAMES} {MATCH}))" in conn.sql
    assert ") SELECT * FROM named ORDER BY cif ASC, cif ASC LIMIT $2" in conn.sql


async def test_a_name_search_in_scope_reads_the_scope_first() -> None:
    conn = Capture()
    terms = SearchTerms(exact="nguyen", words=("nguyen",))
    search = CustomerSearch(terms, Keyset("name", False, 20), cifs=frozenset({"100234"}))
    await search_customers(conn, search)
    scoped = "WITH scoped AS MATERIALIZED (SELECT c.cif"
    assert scoped in conn.sql
    inside = conn.sql[conn.sql.index(scoped) : conn.sql.index(") SELECT * FROM scoped")]
    assert "c.cif = ANY($2::text[])" in inside and "customer_name" not in inside
    assert ") SELECT * FROM scoped WHERE name_folded = ANY(ARRAY(SELECT n.name_folded" in conn.sql


async def test_a_key_search_in_scope_after_a_cursor() -> None:
    conn = Capture()
    terms = SearchTerms(exact="0901234567", phone_digits="901234567", id_fragment="0901234567")
    page = Keyset("cif", True, 10, ("100300", "100300"))
    search = CustomerSearch(terms, page, status="ACTIVE", cifs=frozenset({"100300", "100234"}))
    await search_customers(conn, search)
    assert "national_id LIKE $2" in conn.sql and "number LIKE $3" in conn.sql
    assert "c.cif = ANY($5::text[])" in conn.sql and "(c.cif, c.cif) < ($6, $7)" in conn.sql
    assert "name_search_tokens" not in conn.sql
    assert conn.args == (
        "0901234567",
        "%0901234567%",
        "%901234567%",
        "ACTIVE",
        ["100234", "100300"],
        "100300",
        "100300",
        11,
    )


async def test_delinquent_stays_on_its_partial_index_and_matches_a_product_family() -> None:
    conn = Capture()
    query = DelinquentQuery(Keyset("dpd", True, 50), dpd_min=10, product="CREDIT_CARD")
    await delinquent_loans(conn, query)
    assert "NOT l.is_deleted AND l.status = 'OPEN' AND l.dpd > 0" in conn.sql
    assert "(l.product_type = $2 OR l.product_type LIKE $3)" in conn.sql
    assert conn.args == (10, "CREDIT_CARD", "CREDIT\\_CARD:%", 51)
    assert conn.sql.endswith("ORDER BY l.dpd DESC, l.account_number DESC LIMIT $4")
