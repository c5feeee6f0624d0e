"""Sync operations: start an ad-hoc snapshot, watch jobs and status, orphans, stale records."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web as aioweb
from faust.web import Blueprint

from domain.sync_jobs import SNAPSHOT_TABLES, SOURCE_NAMES, parse_sync_run
from persistence import sync_status
from persistence.replication_slots import slot_of, slot_state
from persistence.sync_jobs import JobAlreadyRunning, get_job, start_job
from runtime.connectors import CONFIG_DIR, states
from streams.app import crm_app
from streams.sync_lag import consumer_lag
from streams.topics import CDC_TOPICS
from web.auth import principal_of, requires
from web.jsonio import json_response, read_object
from web.pagination import date_filter
from web.problems import ProblemError
from web.views import ApiView

PERMISSION = "sync:run"
MAX_LIST = 1000


def _camel(row: dict[str, Any]) -> dict[str, Any]:
    def camel(name: str) -> str:
        head, *rest = name.split("_")
        return head + "".join(p.title() for p in rest)

    return {camel(k): (str(v) if isinstance(v, uuid.UUID) else v) for k, v in row.items()}


def _limit(request: aioweb.Request) -> int:
    raw = request.query.get("limit", "100")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIST:
        raise ProblemError(400, "INVALID_LIMIT", f"limit must be 1..{MAX_LIST}", field="limit")
    return int(raw)


async def _slot(settings: Any, name: str) -> dict[str, Any] | None:
    config = CONFIG_DIR / f"{name}.json"
    named = slot_of(config) if config.exists() else None
    if named is None:
        return None
    database, slot = named
    return await slot_state(settings.source_dsn(database), slot)


async def _connector(settings: Any, name: str) -> dict[str, Any]:
    try:
        state, tasks = await asyncio.get_running_loop().run_in_executor(
            None, states, settings, name
        )
    except Exception as exc:  # Connect down or connector missing: report, do not fail
        return {"name": name, "state": "UNKNOWN", "error": type(exc).__name__, "tasks": []}
    listed = [{"id": i, "state": s, "error": e or None} for i, (s, e) in enumerate(tasks)]
    return {"name": name, "state": state, "tasks": listed}


def sync_ops_blueprint() -> Blueprint:
    bp = Blueprint("sync-ops")

    @bp.route("/api/sync/run", name="run")
    class Run(ApiView):
        @requires(PERMISSION, "Start an ad-hoc snapshot of a source (or one entity type)")
        async def post(self, request: aioweb.Request) -> aioweb.Response:
            app = crm_app(self.app)
            run = parse_sync_run(await read_object(request))
            try:
                job = await start_job(
                    await app.db_pool(),
                    source_system=run.source_system,
                    entity_type=run.entity_type,
                    collections=list(run.collections),
                    signal_dsn=app.settings.source_dsn(run.database),
                    requested_by=principal_of(request).user_id,
                    now=datetime.now(UTC),
                )
            except JobAlreadyRunning as exc:
                raise ProblemError(
                    409,
                    "SYNC_JOB_RUNNING",
                    f"{run.source_system} already has a running sync job ({exc}).",
                    field="source",
                ) from exc
            resp = json_response(_camel(job), status=202)
            resp.headers["Location"] = f"/api/sync/jobs/{job['id']}"
            return resp

    @bp.route("/api/sync/jobs/{jobId}", name="job")
    class Job(ApiView):
        @requires(PERMISSION, "One sync job with its progress")
        async def get(self, request: aioweb.Request, jobId: str) -> aioweb.Response:
            try:
                job_id = uuid.UUID(jobId)
            except ValueError as exc:
                raise ProblemError(400, "INVALID_JOB_ID", "not a job id", field="jobId") from exc
            job = await get_job(await crm_app(self.app).db_pool(), job_id)
            if job is None:
                raise ProblemError(404, "SYNC_JOB_NOT_FOUND", "No such sync job.", field="jobId")
            return json_response(_camel(job))

    @bp.route("/api/sync/status", name="status")
    class Status(ApiView):
        @requires(PERMISSION, "Per source and entity type: last event, lag, counts, errors, jobs")
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            app = crm_app(self.app)
            pool = await app.db_pool()
            counts, events, errors, jobs, lags = await asyncio.gather(
                sync_status.entity_counts(pool),
                sync_status.last_events(pool),
                sync_status.open_errors(pool),
                sync_status.running_jobs(pool),
                consumer_lag(app.settings, [app.settings.topic(t.name) for t in CDC_TOPICS]),
            )
            return json_response(await _status(app.settings, counts, events, errors, jobs, lags))

    @bp.route("/api/sync/orphans", name="orphans")
    class Orphans(ApiView):
        @requires(
            PERMISSION,
            "verifyRelationships: records still waiting for their customer (olderThanMinutes, cif)",
        )
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            app = crm_app(self.app)
            raw = request.query.get("olderThanMinutes", str(app.settings.orphan_report_minutes))
            if not raw.isdigit():
                raise ProblemError(
                    400,
                    "INVALID_AGE",
                    "olderThanMinutes must be a whole number",
                    field="olderThanMinutes",
                )
            before = datetime.now(UTC) - timedelta(minutes=int(raw))
            cif = request.query.get("cif")
            pool = await app.db_pool()
            total, rows = await sync_status.orphans(pool, before, cif, _limit(request))
            return json_response({"total": total, "items": [_camel(r) for r in rows]})

    @bp.route("/api/sync/stale", name="stale")
    class Stale(ApiView):
        @requires(PERMISSION, "findStaleRecords: entities not confirmed by their source since")
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            entity_type = request.query.get("entityType", "")
            known = {t for tables in SNAPSHOT_TABLES.values() for t in tables}
            if entity_type not in known:
                raise ProblemError(
                    400,
                    "INVALID_ENTITY_TYPE",
                    f"entityType must be one of {', '.join(sorted(known))}",
                    field="entityType",
                )
            since = date_filter(request, "since")
            if since is None:
                raise ProblemError(400, "MISSING_SINCE", "since is required", field="since")
            source = request.query.get("source")
            if source is not None and source not in SOURCE_NAMES:
                raise ProblemError(400, "INVALID_SOURCE", "unknown source", field="source")
            pool = await crm_app(self.app).db_pool()
            total, rows = await sync_status.stale(pool, entity_type, since, source, _limit(request))
            return json_response({"total": total, "items": [_camel(r) for r in rows]})

    return bp


async def _status(
    settings: Any,
    counts: list[dict[str, Any]],
    events: list[dict[str, Any]],
    errors: list[dict[str, Any]],
    jobs: list[dict[str, Any]],
    lags: dict[str, int | None],
) -> dict[str, Any]:
    now = datetime.now(UTC)
    entities: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    for c in counts:
        entities[(c["source_system"], c["entity_type"])].update(
            live=c["live"], deleted=c["deleted"]
        )
    for e in events:
        key = (e["source_system"], e["entity_type"])
        entities[key].update(lastEventAt=e["occurred_at"], lastSourceTs=e["last_source_ts"])
        if e["last_source_ts"] is not None:
            # Source commit → applied, for the latest batch: how stale the copy was then.
            freshness = (e["occurred_at"] - e["last_source_ts"]).total_seconds()
            entities[key]["lastFreshnessSeconds"] = round(freshness, 3)
    for err in errors:
        entities[(err["source_system"], err["entity_type"])]["openErrors"] = err["open"]
    sources = []
    for system, name in SOURCE_NAMES.items():
        topics = {
            t.name.split(".", 2)[2]: settings.topic(t.name)
            for t in CDC_TOPICS
            if t.name.split(".")[1] == name
        }
        sources.append(
            {
                "source": system,
                "connector": await _connector(settings, name),
                "replicationSlot": await _slot(settings, name),
                "consumerLag": {table: lags.get(topic) for table, topic in topics.items()},
                "entities": [
                    {"entityType": t, "live": 0, "deleted": 0, "openErrors": 0, **v}
                    for (s, t), v in sorted(entities.items())
                    if s == system
                ],
                "runningJobs": [_camel(j) for j in jobs if j["source_system"] == system],
            }
        )
    return {"generatedAt": now, "sources": sources}
