"""`crm worker <service>`: run one worker of one service in the foreground."""

from __future__ import annotations

import faust

from crm.settings import ServiceName, Settings
from streams import event_loop, gc_pauses, gc_tuning
from streams.services import build_app


def run_worker(settings: Settings, service: ServiceName) -> int:
    event_loop.install(settings, service)
    gc_pauses.watch()
    app = build_app(settings, service)
    gc_tuning.settle()
    worker = faust.Worker(app, loglevel=settings.log_level.lower(), override_logging=False)
    worker.execute_from_commandline()
    return 0  # execute_from_commandline exits the process itself
