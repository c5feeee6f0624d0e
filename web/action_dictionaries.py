"""Action dictionaries: everyone reads them (to record actions); administrators change them."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from aiohttp import web as aioweb
from faust.web import Blueprint

from domain.action_dictionary import Combination, Dictionaries
from domain.action_dictionary_changes import (
    RESULT_FLAGS,
    SUBTYPE_FLAGS,
    TYPE_FLAGS,
    parse_combination,
    parse_entry,
)
from persistence import action_dictionaries as store
from streams.app import crm_app
from web.auth import ANY_USER, requires
from web.jsonio import json_response, read_object
from web.problems import ProblemError
from web.views import ApiView

MANAGE = "dictionaries:manage"
PREFIX = "/api/actions/dictionaries"


def _camel(column: str) -> str:
    head, *rest = column.split("_")
    return head + "".join(word.capitalize() for word in rest)


def entry_json(entry: Mapping[str, Any]) -> dict[str, Any]:
    """One entry with the field names a PUT body uses (name_en → nameEn)."""
    return {_camel(column): value for column, value in entry.items()}


def combination_json(c: Combination) -> dict[str, str]:
    return {"actionType": c.action_type, "subtype": c.subtype, "result": c.result}


def dictionaries_json(d: Dictionaries) -> dict[str, Any]:
    def entries(found: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [entry_json(dataclasses.asdict(found[code])) for code in sorted(found)]

    return {
        "types": entries(d.types),
        "subtypes": entries(d.subtypes),
        "results": entries(d.results),
        "combinations": [combination_json(c) for c in d.combinations()],
    }


async def _combination_of(request: aioweb.Request) -> Combination:
    """DELETE may carry its combination as a JSON body or as query parameters."""
    if request.query or not request.can_read_body:
        # Neither: the 400 names the first missing field.
        return parse_combination(dict(request.query))
    return parse_combination(await read_object(request))


def _entry_view(table: store.Table, flags: Mapping[str, str], what: str) -> type[ApiView]:
    class Entry(ApiView):
        @requires(MANAGE, f"Create or update {what}: nameEn, nameVi, {', '.join(flags)}")
        async def put(self, request: aioweb.Request, code: str) -> aioweb.Response:
            change = parse_entry(code, await read_object(request), flags)
            pool = await crm_app(self.app).db_pool()
            row, created = await store.put_entry(pool, table, change)
            return json_response(entry_json(row), status=201 if created else 200)

    return Entry


def dictionaries_blueprint() -> Blueprint:
    bp = Blueprint("action-dictionaries")

    @bp.route(PREFIX, name="dictionaries")
    class AllDictionaries(ApiView):
        @requires(ANY_USER, "Action types, subtypes, results (en/vi, flags), valid combinations")
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            pool = await crm_app(self.app).db_pool()
            return json_response(dictionaries_json(await store.load_dictionaries(pool)))

    bp.route(f"{PREFIX}/types/{{code}}", name="type")(
        _entry_view(store.TYPES, TYPE_FLAGS, "an action type")
    )
    bp.route(f"{PREFIX}/subtypes/{{code}}", name="subtype")(
        _entry_view(store.SUBTYPES, SUBTYPE_FLAGS, "an action subtype")
    )
    bp.route(f"{PREFIX}/results/{{code}}", name="result")(
        _entry_view(store.RESULTS, RESULT_FLAGS, "a result code")
    )

    @bp.route(f"{PREFIX}/combinations", name="combinations")
    class Combinations(ApiView):
        @requires(MANAGE, "Allow a combination {actionType, subtype, result}")
        async def post(self, request: aioweb.Request) -> aioweb.Response:
            combination = parse_combination(await read_object(request))
            pool = await crm_app(self.app).db_pool()
            added = await store.add_combination(pool, combination)
            return json_response(combination_json(combination), status=201 if added else 200)

        @requires(
            MANAGE, "Stop allowing a combination (body or query: actionType, subtype, result)"
        )
        async def delete(self, request: aioweb.Request) -> aioweb.Response:
            combination = await _combination_of(request)
            pool = await crm_app(self.app).db_pool()
            if not await store.remove_combination(pool, combination):
                raise ProblemError(
                    404, "COMBINATION_NOT_FOUND", "This combination is not allowed anyway."
                )
            return aioweb.Response(status=204)

    return bp
