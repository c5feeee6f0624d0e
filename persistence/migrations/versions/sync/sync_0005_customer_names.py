"""Name search in name order that stops at the page: the bank's distinct names, indexed.

A name search found every matching customer through the pair index on customer, then read
each one to order the page by name. Names in a Vietnamese bank are few and shared, so a
full name matched hundreds to tens of thousands of customers: with 1.7M customers, 300
full names took 5.4 ms on average and 127 ms at most on PostgreSQL alone, and 200 searches/s
needed more than the two cores (30 Nov 2026).

customer_name holds each distinct folded name once, with the pair index of sync_0003. A
search matches names there (16,660 names for 1.7M customers), then walks the new B-tree on
customer (name_folded, cif) through those names in order and stops when the page is full.
The pair index on customer is dropped: nothing reads it now, and every customer insert paid
for its 6-12 lexemes.

customer_name is kept by statement triggers on customer, so every writer (the sync sinks,
a restore, a hand fix) keeps it complete: one INSERT … ON CONFLICT DO NOTHING of a statement's
distinct names, in name order, so two sinks adding the same new names mostly queue. An upsert
fires its UPDATE trigger and then its INSERT trigger, each in its own order, so two upserts
can still deadlock on new names; the sink retries that like any lost race. A name is never
removed: a name nobody has any more costs one index probe in a search and is skipped.

Revision ID: sync_0005
Revises: sync_0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "sync_0005"
down_revision: str | None = "sync_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENS: sa.ColumnElement[Any] = sa.literal_column("sync_entities.name_search_tokens(name_folded)")

REMEMBER_NAMES = """
CREATE FUNCTION sync_entities.remember_customer_names() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sync_entities.customer_name (name_folded)
    SELECT DISTINCT name_folded FROM changed ORDER BY name_folded
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$
"""

# Transition tables allow one event per trigger, hence two. An upsert fires both.
TRIGGERS = {
    "customer_name_on_insert": "INSERT",
    "customer_name_on_update": "UPDATE",
}


def _token_index(name: str, table: str) -> None:
    """The pair index of sync_0003: each word and each ordered pair of words of a name."""
    op.create_index(
        name,
        table,
        [TOKENS],
        unique=False,
        schema="sync_entities",
        postgresql_using="gin",
        postgresql_with={"fastupdate": "off"},
    )


def upgrade() -> None:
    """Create and fill customer_name, its triggers and the name-order index; drop the old one."""
    op.create_table(
        "customer_name",
        sa.Column("name_folded", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name_folded", name=op.f("pk_customer_name")),
        schema="sync_entities",
    )
    # Triggers before the fill: creating one locks customer against writes until this
    # migration commits, so a name a running sink writes meanwhile is either already there
    # for the fill or added by the triggers after the commit, never lost between the two.
    op.execute(REMEMBER_NAMES)
    for trigger, event in TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER {trigger} AFTER {event} ON sync_entities.customer"
            " REFERENCING NEW TABLE AS changed FOR EACH STATEMENT"
            " EXECUTE FUNCTION sync_entities.remember_customer_names()"
        )
    op.execute(
        "INSERT INTO sync_entities.customer_name (name_folded)"
        " SELECT DISTINCT name_folded FROM sync_entities.customer ON CONFLICT DO NOTHING"
    )
    _token_index("ix_customer_name_tokens", "customer_name")
    op.create_index(
        "ix_customer_name_order",
        "customer",
        ["name_folded", "cif"],
        unique=False,
        schema="sync_entities",
    )
    op.drop_index("ix_customer_name_words", table_name="customer", schema="sync_entities")


def downgrade() -> None:
    """Back to the pair index on customer."""
    _token_index("ix_customer_name_words", "customer")
    op.drop_index("ix_customer_name_order", table_name="customer", schema="sync_entities")
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER {trigger} ON sync_entities.customer")
    op.execute("DROP FUNCTION sync_entities.remember_customer_names()")
    op.drop_table("customer_name", schema="sync_entities")
