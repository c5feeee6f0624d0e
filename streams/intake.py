"""`crm intake`: the payment gateway's webhook in a process of its own.

The payments worker used to take the gateway's requests and apply the payments on one
event loop. Under webhook load every round trip of a batch to PostgreSQL then waited
behind queued requests (pg_stat_activity showed the sink connections mostly idle in
transaction, waiting for the worker), so a payment took seconds to become readable long
before the CPU ran out. The intake verifies, validates and puts notifications on Kafka
(acks=all) and nothing else: no table, no topic read, no state, so any number of these
processes can stand behind nginx. The payments worker still serves the same route, which
nginx falls back to while no intake answers.

It is a plain aiohttp application, not a Faust worker: a Faust worker must consume at
least one topic, and its web views add nothing to one route. The route's steps are the
Faust view's own (web.payment_webhook.WebhookIntake).
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web as aioweb

from crm.settings import PAYMENTS_INTAKE as NAME
from crm.settings import Settings
from streams import event_loop, gc_pauses, gc_tuning
from streams.publish import EventPublisher
from web.jsonio import json_response
from web.middleware import error_middleware
from web.ops import metrics_response
from web.payment_webhook import WEBHOOK_PATH, WebhookIntake

log = logging.getLogger(__name__)


async def _health(_request: aioweb.Request) -> aioweb.Response:
    return json_response({"status": "ok", "service": NAME})


async def _metrics(_request: aioweb.Request) -> aioweb.Response:
    return metrics_response()


def intake_application(settings: Settings, publisher: EventPublisher) -> aioweb.Application:
    """The webhook, /health and /metrics; problems as every service answers them."""
    app = aioweb.Application(middlewares=[error_middleware(NAME)])
    intake = WebhookIntake(settings, lambda: publisher)
    app.router.add_post(WEBHOOK_PATH, intake.accept)
    app.router.add_get("/health", _health)
    app.router.add_get("/metrics", _metrics)

    async def warm_up(_app: aioweb.Application) -> None:
        # The first notification would otherwise wait for the topic's leader (~0.5 s).
        try:
            await asyncio.to_thread(publisher.connect)
        except Exception as exc:
            log.warning("warm-up incomplete, connecting on first use instead: %r", exc)

    async def close(_app: aioweb.Application) -> None:
        # What was accepted (202) is acknowledged already; this only ends the delivery thread.
        await asyncio.to_thread(publisher.close)

    app.on_startup.append(warm_up)
    app.on_cleanup.append(close)
    return app


def intake_publisher(settings: Settings) -> EventPublisher:
    """The intake's producer: it lingers longer than the others (payments_intake_linger_ms)."""
    return EventPublisher(settings, NAME, linger_ms=settings.payments_intake_linger_ms)


def run_intake(settings: Settings) -> int:
    """Serve until SIGTERM or SIGINT; aiohttp then stops taking requests and ends them."""
    event_loop.install(settings, NAME)
    gc_pauses.watch()
    app = intake_application(settings, intake_publisher(settings))
    gc_tuning.settle()
    port = settings.payments_intake_web_port
    log.info("payments intake listening on %s:%d", settings.web_host, port)
    aioweb.run_app(app, host=settings.web_host, port=port, print=None, access_log=None)
    return 0
