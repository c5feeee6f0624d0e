"""Case dictionaries: everyone reads them (to move cases); administrators change them.

GET /api/cases/dictionaries; PUT …/states/{code}, …/states/{state}/substates/{code},
…/customer-statuses/{code} {nameEn, nameVi, position?, active?}; POST and DELETE
…/transitions {fromState, toState}. Workers see a change within CRM_DICTIONARY_CACHE_SECONDS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web as aioweb
from faust.web import Blueprint

from domain.action_dictionary_changes import parse_code
from domain.case_dictionary import CaseDictionaries, Transition
from domain.case_dictionary_changes import parse_case_entry, parse_transition
from persistence import case_dictionaries as store
from streams.app import crm_app
from web.action_dictionaries import MANAGE
from web.auth import ANY_USER, requires
from web.jsonio import json_response, read_object
from web.problems import ProblemError
from web.views import ApiView

PREFIX = "/api/cases/dictionaries"


def _entry(e: Any) -> dict[str, Any]:
    return {
        "code": e.code,
        "nameEn": e.name_en,
        "nameVi": e.name_vi,
        "position": e.position,
        "active": e.active,
    }


def transition_json(t: Transition) -> dict[str, str]:
    return {"fromState": t.from_state, "toState": t.to_state}


def case_dictionaries_json(d: CaseDictionaries) -> dict[str, Any]:
    """States in order, each with its substates in order; transitions; customer statuses."""
    states = []
    for state in d.ordered_states():
        substates = sorted(
            (s for (owner, _), s in d.substates.items() if owner == state.code),
            key=lambda s: (s.position, s.code),
        )
        states.append({**_entry(state), "substates": [_entry(s) for s in substates]})
    return {
        "states": states,
        "transitions": [transition_json(t) for t in sorted(d.transitions)],
        "customerStatuses": [_entry(s) for s in d.ordered_statuses()],
    }


def _row_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """An entry as PUT stored it (a substate names its state)."""
    body = {"state": row["state"]} if "state" in row else {}
    return body | {
        "code": row["code"],
        "nameEn": row["name_en"],
        "nameVi": row["name_vi"],
        "position": row["position"],
        "active": row["active"],
    }


async def _transition_of(request: aioweb.Request) -> Transition:
    """DELETE may carry its transition as a JSON body or as query parameters."""
    if request.query or not request.can_read_body:
        # Neither: the 400 names the first missing field.
        return parse_transition(dict(request.query))
    return parse_transition(await read_object(request))


def _entry_view(table: store.EntryTable, what: str) -> type[ApiView]:
    class Entry(ApiView):
        @requires(MANAGE, f"Create or update {what}: nameEn, nameVi, position, active")
        async def put(self, request: aioweb.Request, code: str) -> aioweb.Response:
            change = parse_case_entry(code, await read_object(request))
            pool = await crm_app(self.app).db_pool()
            row, created = await store.put_entry(pool, table, change)
            return json_response(_row_json(row), status=201 if created else 200)

    return Entry


def case_dictionaries_blueprint() -> Blueprint:
    bp = Blueprint("case-dictionaries")

    @bp.route(PREFIX, name="dictionaries")
    class AllCaseDictionaries(ApiView):
        @requires(
            ANY_USER, "Processing states with substates, allowed transitions, customer statuses"
        )
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            pool = await crm_app(self.app).db_pool()
            return json_response(case_dictionaries_json(await store.load_case_dictionaries(pool)))

    bp.route(f"{PREFIX}/states/{{code}}", name="state")(
        _entry_view(store.STATES, "a processing state")
    )
    bp.route(f"{PREFIX}/customer-statuses/{{code}}", name="customer-status")(
        _entry_view(store.STATUSES, "a customer status")
    )

    @bp.route(f"{PREFIX}/states/{{state}}/substates/{{code}}", name="substate")
    class Substate(ApiView):
        @requires(
            MANAGE, "Create or update a substate of a state: nameEn, nameVi, position, active"
        )
        async def put(self, request: aioweb.Request, state: str, code: str) -> aioweb.Response:
            change = parse_case_entry(code, await read_object(request))
            owner = parse_code(state, "state")
            pool = await crm_app(self.app).db_pool()
            row, created = await store.put_entry(pool, store.SUBSTATES, change, owner)
            return json_response(_row_json(row), status=201 if created else 200)

    @bp.route(f"{PREFIX}/transitions", name="transitions")
    class Transitions(ApiView):
        @requires(MANAGE, "Allow a move between processing states {fromState, toState}")
        async def post(self, request: aioweb.Request) -> aioweb.Response:
            transition = parse_transition(await read_object(request))
            pool = await crm_app(self.app).db_pool()
            added = await store.add_transition(pool, transition)
            return json_response(transition_json(transition), status=201 if added else 200)

        @requires(MANAGE, "Stop allowing a move (body or query: fromState, toState)")
        async def delete(self, request: aioweb.Request) -> aioweb.Response:
            transition = await _transition_of(request)
            pool = await crm_app(self.app).db_pool()
            if not await store.remove_transition(pool, transition):
                raise ProblemError(
                    404, "TRANSITION_NOT_FOUND", "This transition is not allowed anyway."
                )
            return aioweb.Response(status=204)

    return bp
