"""The live case dashboard of the workflow service: page, summary, event stream, feed.

docs/dashboard.md describes what the page shows and how events reach it.
"""

from __future__ import annotations

from aiohttp import web as aioweb
from faust.web import Blueprint

from security.row_rules import Caller, Scope
from streams.app import CrmApp, aiohttp_app
from web.dashboard_feed import follow_workflow_events
from web.dashboard_hub import Hub
from web.dashboard_page import page_blueprint
from web.dashboard_stream import stream_blueprint
from web.dashboard_summary import summary_blueprint
from web.sync_access import CUSTOMERS


def dashboard_blueprints(app: CrmApp) -> list[Blueprint]:
    """Start this process's event feed and return the dashboard's routes."""

    async def scope_of(caller: Caller) -> Scope:
        return await app.row_rules.scope(caller, CUSTOMERS)

    hub = Hub(scope_of)

    async def feed() -> None:
        await follow_workflow_events(app.settings, hub)

    app.task(feed)

    async def end_streams(_: aioweb.Application) -> None:
        # Open streams would otherwise hold the web server's shutdown for its full timeout.
        hub.close()

    aiohttp_app(app).on_shutdown.append(end_streams)
    return [page_blueprint(), summary_blueprint(), stream_blueprint(hub)]
