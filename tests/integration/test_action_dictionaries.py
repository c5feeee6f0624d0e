"""Action dictionaries through nginx: everyone reads them, only administrators change them.

Each test's entries carry a random suffix and are removed afterwards; the seeded defaults
(DOMAIN.md) are only read.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest

from crm.settings import Settings
from tests.integration.auth_client import call, token_for

URL = "/api/actions/dictionaries"


@dataclass
class Admin:
    api: str
    token: str
    suffix: str

    def code(self, name: str) -> str:
        return f"IT_{self.suffix}_{name}"

    async def put(self, kind: str, code: str, **body: Any) -> tuple[int, Any]:
        return await call("PUT", f"{self.api}{URL}/{kind}/{code}", self.token, json=body)

    async def dictionaries(self) -> dict[str, Any]:
        status, body = await call("GET", f"{self.api}{URL}", self.token)
        assert status == 200, body
        return body


def entry(found: dict[str, Any], kind: str, code: str) -> dict[str, Any] | None:
    return next((e for e in found[kind] if e["code"] == code), None)


@pytest.fixture
async def admin(system: Settings, api: str, db: asyncpg.Pool) -> AsyncIterator[Admin]:
    token = (await token_for(api, system, "admin"))["accessToken"]
    mine = Admin(api, token, uuid.uuid4().hex[:8].upper())
    yield mine
    like = f"IT\\_{mine.suffix}\\_%"
    async with db.acquire() as conn, conn.transaction():
        await conn.execute(
            "DELETE FROM actions.valid_combination"
            " WHERE action_type LIKE $1 OR subtype LIKE $1 OR result LIKE $1",
            like,
        )
        for table in ("action_type", "action_subtype", "result_code"):
            await conn.execute(f"DELETE FROM actions.{table} WHERE code LIKE $1", like)


async def test_any_logged_in_user_reads_the_seeded_dictionaries(system: Settings, api: str) -> None:
    agent1 = (await token_for(api, system, "agent1"))["accessToken"]
    status, found = await call("GET", f"{api}{URL}", agent1)
    assert status == 200
    call_type = entry(found, "types", "CALL")
    assert call_type is not None
    assert (call_type["nameVi"], call_type["isContactAttempt"]) == ("Gọi điện", True)
    letter = entry(found, "types", "LETTER")
    assert letter is not None and letter["isContactAttempt"] is False
    promise = entry(found, "results", "PROMISE_TO_PAY")
    assert promise is not None and promise["createsPromise"] is True
    assert entry(found, "subtypes", "FIELD_VISIT") is not None
    combination = {"actionType": "CALL", "subtype": "REMINDER_CALL", "result": "NO_ANSWER"}
    assert combination in found["combinations"]
    # A call cannot find the customer "not at home": the seed leaves that to visits.
    assert {**combination, "result": "NOT_HOME"} not in found["combinations"]

    status, _ = await call("GET", f"{api}{URL}")
    assert status == 401


@pytest.mark.parametrize("who", ["agent1", "supervisor"])
async def test_only_administrators_change_them(system: Settings, api: str, who: str) -> None:
    token = (await token_for(api, system, who))["accessToken"]
    body = {"nameEn": "Fax", "nameVi": "Fax"}
    status, problem = await call("PUT", f"{api}{URL}/types/FAX", token, json=body)
    assert (status, problem["code"]) == (403, "FORBIDDEN")
    combination = {"actionType": "CALL", "subtype": "REMINDER_CALL", "result": "NOT_HOME"}
    status, _ = await call("POST", f"{api}{URL}/combinations", token, json=combination)
    assert status == 403
    status, _ = await call("DELETE", f"{api}{URL}/combinations", token, params=combination)
    assert status == 403


async def test_an_action_type_is_created_then_updated_keeping_unsent_flags(admin: Admin) -> None:
    code = admin.code("FAX")
    status, created = await admin.put(
        "types", code, nameEn="Fax", nameVi="Gửi fax", isContactAttempt=False
    )
    assert status == 201
    # Flags left out take the table's defaults.
    assert created == {
        "code": code,
        "nameEn": "Fax",
        "nameVi": "Gửi fax",
        "isContactAttempt": False,
        "mayContactReference": False,
        "active": True,
    }
    assert entry(await admin.dictionaries(), "types", code) == created

    status, updated = await admin.put("types", code, nameEn="Telefax", nameVi="Fax", active=False)
    assert status == 200
    seen = entry(await admin.dictionaries(), "types", code)
    assert seen == updated
    assert seen is not None
    assert (seen["nameEn"], seen["active"], seen["isContactAttempt"]) == ("Telefax", False, False)


async def test_subtypes_and_results_are_maintained_the_same_way(admin: Admin) -> None:
    subtype, result = admin.code("CHAT"), admin.code("CALLBACK")
    status, _ = await admin.put("subtypes", subtype, nameEn="Chat", nameVi="Trò chuyện")
    assert status == 201
    status, _ = await admin.put(
        "results", result, nameEn="Call back", nameVi="Gọi lại", isRightPartyContact=True
    )
    assert status == 201
    found = await admin.dictionaries()
    assert entry(found, "subtypes", subtype) == {
        "code": subtype,
        "nameEn": "Chat",
        "nameVi": "Trò chuyện",
        "active": True,
    }
    seen = entry(found, "results", result)
    assert seen is not None
    assert (seen["isRightPartyContact"], seen["createsPromise"]) == (True, False)


async def test_a_combination_is_allowed_then_withdrawn(admin: Admin) -> None:
    subtype, result = admin.code("CHAT"), admin.code("CALLBACK")
    await admin.put("subtypes", subtype, nameEn="Chat", nameVi="Trò chuyện")
    await admin.put("results", result, nameEn="Call back", nameVi="Gọi lại")
    combination = {"actionType": "CALL", "subtype": subtype, "result": result}
    url = f"{admin.api}{URL}/combinations"

    status, body = await call("POST", url, admin.token, json=combination)
    assert (status, body) == (201, combination)
    assert combination in (await admin.dictionaries())["combinations"]
    status, _ = await call("POST", url, admin.token, json=combination)
    assert status == 200  # already allowed: nothing changes

    status, _ = await call("DELETE", url, admin.token, json=combination)
    assert status == 204
    assert combination not in (await admin.dictionaries())["combinations"]
    status, problem = await call("DELETE", url, admin.token, json=combination)
    assert (status, problem["code"]) == (404, "COMBINATION_NOT_FOUND")

    await call("POST", url, admin.token, json=combination)
    status, _ = await call("DELETE", url, admin.token, params=combination)
    assert status == 204
    assert combination not in (await admin.dictionaries())["combinations"]


@pytest.mark.parametrize(
    ("part", "code"),
    [
        ("actionType", "ACTION_TYPE_UNKNOWN"),
        ("subtype", "SUBTYPE_UNKNOWN"),
        ("result", "RESULT_UNKNOWN"),
    ],
)
async def test_a_combination_of_an_unknown_code_is_a_422_on_it(
    admin: Admin, part: str, code: str
) -> None:
    combination = {"actionType": "CALL", "subtype": "REMINDER_CALL", "result": "NO_ANSWER"}
    combination[part] = admin.code("MISSING")
    status, problem = await call(
        "POST", f"{admin.api}{URL}/combinations", admin.token, json=combination
    )
    assert (status, problem["code"], problem["field"]) == (422, code, part)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("types/lower", {"nameEn": "x", "nameVi": "x"}, "code"),
        ("types/TOO_LONG_" + "X" * 40, {"nameEn": "x", "nameVi": "x"}, "code"),
        ("types/IT_OK", {"nameEn": "x"}, "nameVi"),
        (
            "results/IT_OK",
            {"nameEn": "x", "nameVi": "x", "createsPromise": "yes"},
            "createsPromise",
        ),
        (
            "subtypes/IT_OK",
            {"nameEn": "x", "nameVi": "x", "isContactAttempt": True},
            "isContactAttempt",
        ),
    ],
)
async def test_a_bad_change_is_a_400_naming_the_field(
    admin: Admin, path: str, body: dict[str, Any], field: str
) -> None:
    status, problem = await call("PUT", f"{admin.api}{URL}/{path}", admin.token, json=body)
    assert (status, problem["field"]) == (400, field)


async def test_a_malformed_combination_is_a_400(admin: Admin) -> None:
    url = f"{admin.api}{URL}/combinations"
    bad = {"actionType": "call", "subtype": "REMINDER_CALL", "result": "NO_ANSWER"}
    status, problem = await call("POST", url, admin.token, json=bad)
    assert (status, problem["code"], problem["field"]) == (400, "INVALID_CODE", "actionType")
    status, problem = await call("DELETE", url, admin.token, params={"actionType": "CALL"})
    assert (status, problem["field"]) == (400, "subtype")
