"""Tables keep raw natural keys so their changelog partitions match the source topic's."""

from __future__ import annotations

from pathlib import Path

from crm.settings import Settings
from streams.app import create_app
from streams.partitioner import partition_for
from tables.payments import loan_ledger


def test_ledger_changelog_uses_the_raw_account_number_as_key(tmp_path: Path) -> None:
    app = create_app(Settings(store="memory://", data_dir=tmp_path), "payments")
    table = loan_ledger(app)
    key, _ = table.changelog_topic.prepare_key("LD2401234567", None)
    assert key == b"LD2401234567"
    # table_route hashes exactly these bytes: same partition as the notification's key.
    assert partition_for(key, 4) == partition_for("LD2401234567", 4)
    assert table.use_partitioner
