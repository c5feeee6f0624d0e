"""Operational endpoints of every service: liveness, readiness, metrics, OpenAPI."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web as aioweb
from faust.web import Blueprint
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from streams.app import crm_app
from web.auth import public
from web.jsonio import json_response
from web.openapi import build_document
from web.views import ApiView

ops = Blueprint("ops")
CHECK_TIMEOUT = 3.0


@ops.route("/health", name="health")
class Health(ApiView):
    @public("Liveness: the process serves HTTP")
    async def get(self, request: aioweb.Request) -> aioweb.Response:
        return json_response({"status": "ok", "service": crm_app(self.app).service_name})


async def _kafka(app: Any) -> dict[str, Any]:
    producer = app.producer._ensure_producer()
    await asyncio.wait_for(producer.client.fetch_all_metadata(), CHECK_TIMEOUT)
    return {"ok": True}


async def _postgres(app: Any) -> dict[str, Any]:
    pool = await asyncio.wait_for(app.db_pool(), CHECK_TIMEOUT)
    await asyncio.wait_for(pool.fetchval("SELECT 1"), CHECK_TIMEOUT)
    return {"ok": True}


def _lag(app: Any) -> dict[str, Any]:
    consumer = app.consumer
    per_tp: dict[str, int] = {}
    for tp in sorted(consumer.assignment()):
        committed = consumer._committed_offset.get(tp)
        highwater = consumer.highwater(tp)
        if highwater is not None:
            per_tp[f"{tp.topic}:{tp.partition}"] = max(0, highwater - (committed or 0))
    return {"ok": True, "total": sum(per_tp.values()), "partitions": per_tp}


@ops.route("/ready", name="ready")
class Ready(ApiView):
    @public("Readiness: Kafka and PostgreSQL answer; consumer lag per partition")
    async def get(self, request: aioweb.Request) -> aioweb.Response:
        checks: dict[str, Any] = {}
        for name, check in (("kafka", _kafka), ("postgres", _postgres)):
            try:
                checks[name] = await check(crm_app(self.app))
            except Exception as exc:  # readiness reports, it does not raise
                checks[name] = {"ok": False, "error": type(exc).__name__}
        try:
            checks["consumerLag"] = _lag(crm_app(self.app))
        except Exception as exc:
            checks["consumerLag"] = {"ok": False, "error": type(exc).__name__}
        # Until the revocation view has read the whole topic, a revoked token could pass.
        caught_up = crm_app(self.app).revocations.caught_up.is_set()
        checks["revocations"] = {"ok": caught_up}
        ready = checks["kafka"]["ok"] and checks["postgres"]["ok"] and caught_up
        return json_response({"ready": ready, "checks": checks}, status=200 if ready else 503)


def metrics_response() -> aioweb.Response:
    """This process's Prometheus metrics (also served by the webhook intake, streams/intake.py)."""
    resp = aioweb.Response(body=generate_latest())
    resp.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return resp


@ops.route("/metrics", name="metrics")
class Metrics(ApiView):
    @public("Prometheus metrics")
    async def get(self, request: aioweb.Request) -> aioweb.Response:
        return metrics_response()


@ops.route("/openapi.json", name="openapi")
class OpenApi(ApiView):
    @public("This service's OpenAPI document")
    async def get(self, request: aioweb.Request) -> aioweb.Response:
        app = crm_app(self.app)
        return json_response(build_document(app.service_name, app.blueprints))
