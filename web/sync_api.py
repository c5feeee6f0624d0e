"""The sync service's read API (customers, loans, search) and sync jobs/status."""

from __future__ import annotations

from faust.web import Blueprint

from streams.app import CrmApp


def sync_blueprints(app: CrmApp) -> list[Blueprint]:
    """Return the sync service's blueprints."""
    return []
