"""Sync agents: Debezium changes in, canonical entities out (PostgreSQL and compacted topics)."""

from __future__ import annotations

from agents.sync_apply import register_apply
from agents.sync_ingest import register_ingest
from agents.sync_jobs import register_jobs
from streams.app import CrmApp
from tables.sync import customers_seen, held_records


def register(app: CrmApp) -> None:
    """Attach both stages and the job tracker to the sync app."""
    register_ingest(app)
    register_apply(app, customers_seen(app), held_records(app))
    register_jobs(app)
