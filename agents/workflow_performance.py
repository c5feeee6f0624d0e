"""Every few minutes, one workflow worker rolls agents' figures up per bank day
(persistence/performance_days.py)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from persistence.performance_days import roll_up
from persistence.retry import retrying
from streams.app import CrmApp

log = logging.getLogger(__name__)


def roll_up_performance(app: CrmApp) -> None:
    zone = ZoneInfo(app.settings.bank_timezone)
    window = timedelta(days=app.settings.attribution_window_days)

    @app.timer(app.settings.performance_rollup_seconds)
    async def agent_days() -> None:
        now = datetime.now(UTC)
        today = now.astimezone(zone).date()
        pool = await app.db_pool()
        # A timer that raises stops the worker: an outage is waited out instead.
        written = await retrying(
            roll_up,
            pool,
            [today - timedelta(days=1), today],
            zone,
            window,
            now,
            what="performance roll-up",
            pool=pool,
        )
        if written is not None:
            log.info("agent performance rolled up: %d agent-days", written)
