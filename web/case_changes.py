"""How a decided case state change reads in the API, and how a refused one is answered."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp import web as aioweb

from domain.case_dictionary import CaseDictionaries
from domain.case_states import Refusal
from web.jsonio import json_response
from web.problems import ProblemError


def change_json(row: asyncpg.Record) -> dict[str, Any]:
    """One customer_case_action row with the field names of the POST body."""
    refusal = None
    if row["refused_code"] is not None:
        refusal = {
            "code": row["refused_code"],
            "field": row["refused_field"],
            "reason": row["refused_reason"],
        }
    return {
        "caseActionId": str(row["id"]),
        "cif": row["cif"],
        "sequence": row["sequence"],
        "status": row["status"],
        "from": {
            "processingState": row["from_state"],
            "substate": row["from_substate"],
            "customerStatus": row["from_customer_status"],
        },
        "processingState": row["to_state"],
        "substate": row["to_substate"],
        "customerStatus": row["customer_status"],
        "note": row["note"],
        "userId": row["user_id"],
        "agentId": row["agent_id"],
        "requestedAt": row["requested_at"],
        "decidedAt": row["decided_at"],
        "refusal": refusal,
    }


def _hints(row: asyncpg.Record, d: CaseDictionaries) -> dict[str, Any]:
    """What the client may choose instead, by today's dictionaries."""
    if row["refused_code"] == Refusal.TRANSITION and row["from_state"] is not None:
        return {"allowedStates": list(d.next_states(row["from_state"]))}
    if row["refused_code"] == Refusal.UNKNOWN_SUBSTATE:
        return {"allowedSubstates": list(d.substates_of(row["to_state"]))}
    return {}


def answer(row: asyncpg.Record, d: CaseDictionaries) -> aioweb.Response:
    """201 with the change when accepted; 422 with the refusal's stable code otherwise.

    A replay of the same request gets this same answer (the row is the first decision).
    """
    if row["status"] == "REFUSED":
        raise ProblemError(
            422,
            row["refused_code"],
            row["refused_reason"],
            field=row["refused_field"],
            extensions={"caseActionId": str(row["id"]), **_hints(row, d)},
        )
    response = json_response(change_json(row), status=201)
    response.headers["Location"] = f"/api/cases/changes/{row['id']}"
    return response
