"""The trigram indexes write straight into the index, like the name index since sync_0003.

With fastupdate on, new entries wait in a pending list that every search reads in full
until VACUUM or the list's 4 MB limit merges it. On the development stack after churn, the
phone and national id lists held 161 and 407 pages, and one phone-number search spent
6-103 ms in those two index scans; after gin_clean_pending_list the same scans took
0.6-2.9 ms. Contacts change much less often than they are looked up.

Revision ID: sync_0004
Revises: sync_0003
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "sync_0004"
down_revision: str | None = "sync_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    "sync_entities.ix_customer_name_trgm",
    "sync_entities.ix_customer_national_id_trgm",
    "sync_entities.ix_phone_number_trgm",
)


def upgrade() -> None:
    """Stop using pending lists and merge what they hold now."""
    for index in INDEXES:
        op.execute(f"ALTER INDEX {index} SET (fastupdate = off)")
        # Turning fastupdate off does not merge the list that is already there.
        op.execute(f"SELECT gin_clean_pending_list('{index}'::regclass)")


def downgrade() -> None:
    """Pending lists again."""
    for index in INDEXES:
        op.execute(f"ALTER INDEX {index} RESET (fastupdate)")
