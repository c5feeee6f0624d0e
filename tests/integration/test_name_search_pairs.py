"""The pair index answers exactly "every word, in any order, the last one a prefix".

name_search_tokens (migration sync_0003) and name_tsquery together replace a plain
one-word match for speed; this asks the real PostgreSQL whether they still find the same
names, over names and entries made of a small vocabulary so that repeats, prefixes of other
words and every word order come up.
"""

from __future__ import annotations

import random
import re

import asyncpg
import pytest

from persistence.sync_read_lists import name_tsquery

pytestmark = pytest.mark.integration

VOCABULARY = ("nguyen", "ng", "nguyet", "van", "vanh", "an", "anh", "thi", "2", "20")


def matches(name: str, typed: tuple[str, ...]) -> bool:
    """The rule as a user reads it: each whole word is a word of the name; the last starts one."""
    words = re.findall(r"[a-z0-9]+", name)
    *whole, last = typed
    return all(w in words for w in whole) and any(w.startswith(last) for w in words)


def cases() -> list[tuple[str, tuple[str, ...]]]:
    pick = random.Random(20261130)
    names = [
        " ".join(pick.choice(VOCABULARY) for _ in range(pick.randint(1, 5))) for _ in range(60)
    ]
    names += ["cong ty tnhh-2 nguyen  van", "", "--"]
    entries = [tuple(pick.choice(VOCABULARY) for _ in range(pick.randint(1, 4))) for _ in range(60)]
    entries += [("n",), ("nguyen", "nguyen"), ("van", "v"), ("an", "nguyen", "van")]
    return [(name, typed) for name in names for typed in entries]


async def test_pairs_find_what_every_word_finds(db: asyncpg.Pool) -> None:
    checked = cases()
    rows = await db.fetch(
        "SELECT sync_entities.name_search_tokens(c.name) @@ c.query::tsquery AS found"
        " FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS c(name, query, n) ORDER BY n",
        [name for name, _ in checked],
        [name_tsquery(typed) for _, typed in checked],
    )
    wrong = [
        (name, typed, row["found"])
        for (name, typed), row in zip(checked, rows, strict=True)
        if row["found"] != matches(name, typed)
    ]
    assert len(rows) == len(checked) > 3000
    assert sum(matches(name, typed) for name, typed in checked) > 200
    assert wrong == [], f"{len(wrong)} of {len(checked)} differ, e.g. {wrong[:5]}"


async def test_a_name_of_many_words_is_indexed_to_its_24th(db: asyncpg.Pool) -> None:
    name = " ".join(f"w{i}" for i in range(1, 41))
    found = await db.fetchval(
        "SELECT array_length(tsvector_to_array(sync_entities.name_search_tokens($1)), 1)", name
    )
    assert found == 24 + 24 * 23
    for typed, expected in ((("w1", "w24"), True), (("w24", "w2"), True), (("w1", "w25"), False)):
        hit = await db.fetchval(
            "SELECT sync_entities.name_search_tokens($1) @@ $2::tsquery",
            name,
            name_tsquery(typed),
        )
        assert hit is expected, typed
