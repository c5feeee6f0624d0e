"""Strategies and segments: administrators change them; supervisors read them and compare
a segment's champion and challenger.

A change reaches the workers within CRM_DICTIONARY_CACHE_SECONDS and applies to customers as
their case opens or changes bucket; customers already placed keep their treatment until then.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp import web as aioweb
from faust.web import Blueprint

from domain.strategy_changes import code_of, parse_segment, parse_strategy
from persistence import strategies as store
from persistence.action_dictionaries import load_dictionaries
from persistence.strategy_results import arm_results
from streams.app import crm_app
from web.auth import principal_of, requires
from web.jsonio import json_response, read_object
from web.problems import ProblemError
from web.views import ApiView

MANAGE = "strategies:manage"
READ = "agents:read"


def strategy_json(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "code": row["code"],
        "name": row["name"],
        "teamCode": row["team_code"],
        "priority": row["priority"],
        "channels": list(row["channels"]),
        "cadenceDays": row["cadence_days"],
        "active": row["active"],
        "updatedBy": row["updated_by"],
        "updatedAt": row["updated_at"],
    }


def segment_json(row: asyncpg.Record) -> dict[str, Any]:
    def amount(value: Any) -> str | None:
        return None if value is None else str(value)

    return {
        "code": row["code"],
        "name": row["name"],
        "rank": row["rank"],
        "champion": row["champion"],
        "challenger": row["challenger"],
        "challengerPercent": row["challenger_percent"],
        "buckets": list(row["buckets"]),
        "products": list(row["products"]),
        "minOutstanding": amount(row["min_outstanding"]),
        "maxOutstanding": amount(row["max_outstanding"]),
        "regions": list(row["regions"]),
        "riskFlags": list(row["risk_flags"]),
        "active": row["active"],
        "updatedBy": row["updated_by"],
        "updatedAt": row["updated_at"],
    }


def _refused(exc: asyncpg.PostgresError) -> ProblemError | None:
    """The database's own checks, said in the API's words (None: not one of ours)."""
    constraint = getattr(exc, "constraint_name", "") or ""
    for part, status, code, detail, field in (
        ("team_code", 422, "TEAM_NOT_FOUND", "No team has this code.", "teamCode"),
        ("champion", 422, "STRATEGY_NOT_FOUND", "No such strategy.", "champion"),
        ("challenger", 422, "STRATEGY_NOT_FOUND", "No such strategy.", "challenger"),
        ("rank", 409, "RANK_TAKEN", "Another segment has this rank.", "rank"),
    ):
        if part in constraint:
            return ProblemError(status, code, detail, field=field)
    return None


def strategies_blueprint() -> Blueprint:
    bp = Blueprint("strategies")

    @bp.route("/api/strategies", name="strategies")
    class Strategies(ApiView):
        @requires(READ, "Every strategy: team, priority, channels, cadence")
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            pool = await crm_app(self.app).db_pool()
            rows = await store.all_strategies(pool)
            return json_response({"items": [strategy_json(r) for r in rows]})

    # Before /api/strategies/{code}: "segments" is a path word, not a strategy.
    @bp.route("/api/strategies/segments", name="segments")
    class Segments(ApiView):
        @requires(READ, "Every segment in rank order: criteria, champion, challenger, split")
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            pool = await crm_app(self.app).db_pool()
            rows = await store.all_segments(pool)
            return json_response({"items": [segment_json(r) for r in rows]})

    @bp.route("/api/strategies/segments/{code}", name="segment")
    class SegmentEntry(ApiView):
        @requires(MANAGE, "Create or replace a segment (criteria → champion/challenger)")
        async def put(self, request: aioweb.Request, code: str) -> aioweb.Response:
            values = parse_segment(code, await read_object(request))
            values["updated_by"] = principal_of(request).user_id
            pool = await crm_app(self.app).db_pool()
            try:
                row, created = await store.put_segment(pool, values)
            except (asyncpg.ForeignKeyViolationError, asyncpg.UniqueViolationError) as exc:
                raise (_refused(exc) or exc) from exc
            return json_response(segment_json(row), status=201 if created else 200)

    @bp.route("/api/strategies/segments/{code}/results", name="segment-results")
    class SegmentResults(ApiView):
        @requires(READ, "Champion and challenger of a segment, side by side")
        async def get(self, request: aioweb.Request, code: str) -> aioweb.Response:
            pool = await crm_app(self.app).db_pool()
            known = await pool.fetchval(
                "SELECT 1 FROM workflow.strategy_segment WHERE code = $1", code_of(code)
            )
            if known is None:
                raise ProblemError(404, "SEGMENT_NOT_FOUND", "No segment has this code.")
            return json_response({"segment": code, "arms": await arm_results(pool, code)})

    @bp.route("/api/strategies/{code}", name="strategy")
    class StrategyEntry(ApiView):
        @requires(MANAGE, "Create or replace a strategy (team, priority, channels, cadence)")
        async def put(self, request: aioweb.Request, code: str) -> aioweb.Response:
            pool = await crm_app(self.app).db_pool()
            types = frozenset((await load_dictionaries(pool)).types)
            values = parse_strategy(code, await read_object(request), types)
            values["updated_by"] = principal_of(request).user_id
            try:
                row, created, followed = await store.put_strategy(pool, values)
            except asyncpg.ForeignKeyViolationError as exc:
                raise (_refused(exc) or exc) from exc
            body = {**strategy_json(row), "customersUpdated": followed}
            return json_response(body, status=201 if created else 200)

    return bp
