"""Name search by word pairs: a full name costs the few rows it matches, not every Nguyễn.

The old index held one lexeme per word. A search is every word (any order, the last one a
prefix), so "nguyen thi van" intersected the three longest posting lists there are in a
Vietnamese bank: 7-8 ms of index work per query at 336k customers, growing with the bank.
This index also holds each ordered pair of a name's words ("+nguyen+thi", "+thi+nguyen"),
and a search asks for the chain of pairs of its words, which is a far rarer lexeme.

fastupdate is off: the pending list is read by every search until it is merged, and it grew
large while a load wrote customers (a search's p99 went to seconds). Names rarely change, so
the extra cost lands once per customer, on its insert.

Revision ID: sync_0003
Revises: sync_0002
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "sync_0003"
down_revision: str | None = "sync_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The words are what search_terms reads from a search box entry: runs of [a-z0-9] of the
# folded name. Only the first 24 words are indexed, so no source name can make a row's
# lexemes unbounded (24 words: 24 + 552 lexemes). A pair starts with "+", which no word does,
# so a one-word prefix search ("ng":*) never walks the pairs.
NAME_SEARCH_TOKENS = """
CREATE FUNCTION sync_entities.name_search_tokens(name_folded text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    WITH words AS (
        SELECT word, position
        FROM unnest((regexp_split_to_array(name_folded, '[^a-z0-9]+'))[1:24])
            WITH ORDINALITY AS split(word, position)
        WHERE word <> ''
    )
    SELECT array_to_tsvector(coalesce(array_agg(DISTINCT lexeme), '{}'))
    FROM (
        SELECT word AS lexeme FROM words
        UNION ALL
        SELECT '+' || a.word || '+' || b.word
        FROM words a JOIN words b ON a.position <> b.position
    ) lexemes
$$
"""


def upgrade() -> None:
    """Create the pair lexemes' function and index; drop the one-word index they replace."""
    op.execute(NAME_SEARCH_TOKENS)
    op.create_index(
        "ix_customer_name_words",
        "customer",
        [sa.literal_column("sync_entities.name_search_tokens(name_folded)")],
        unique=False,
        schema="sync_entities",
        postgresql_using="gin",
        postgresql_with={"fastupdate": "off"},
    )
    op.drop_index("ix_customer_name_fts", table_name="customer", schema="sync_entities")


def downgrade() -> None:
    """Bring back the one-word index."""
    op.create_index(
        "ix_customer_name_fts",
        "customer",
        [sa.literal_column("to_tsvector('simple', name_folded)")],
        unique=False,
        schema="sync_entities",
        postgresql_using="gin",
    )
    op.drop_index("ix_customer_name_words", table_name="customer", schema="sync_entities")
    op.execute("DROP FUNCTION sync_entities.name_search_tokens(text)")
