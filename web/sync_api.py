"""The sync service's read API (customers, loans, search) and sync jobs/status."""

from __future__ import annotations

from faust.web import Blueprint

from streams.app import CrmApp
from web.customers import customers_blueprint
from web.loans import loans_blueprint
from web.sync_ops import sync_ops_blueprint


def sync_blueprints(app: CrmApp) -> list[Blueprint]:
    """Return the sync service's blueprints."""
    return [customers_blueprint(), loans_blueprint(), sync_ops_blueprint()]
