"""Steps the strategy tests share: administering strategies and segments, and watching
where a customer is placed."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from crm.settings import Settings
from domain.strategy import split_point
from tests.integration.auth_client import call
from tests.integration.conftest import apoll
from tests.integration.feed import core_loan, send_core
from tests.integration.workflow_staff import fresh_cif


async def put(api: str, token: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    status, answer = await call("PUT", f"{api}{path}", token, json=body)
    assert status in (200, 201), answer
    return dict(answer)


async def put_segment(api: str, token: str, code: str, body: dict[str, Any]) -> int:
    """Ranks are unique across segments (earlier runs' too): take the next free one."""
    for _ in range(20):
        rank = uuid.uuid4().int % 90_000 + 10_000
        status, answer = await call(
            "PUT", f"{api}/api/strategies/segments/{code}", token, json={**body, "rank": rank}
        )
        if status != 409:
            assert status == 201, answer
            return rank
    raise AssertionError("no free rank")


def cif_in_arm(segment: str, challenger: bool, percent: int) -> str:
    while True:
        cif = fresh_cif()
        if (split_point(segment, cif) < percent) is challenger:
            return cif


async def holder(api: str, token: str, cif: str) -> dict[str, Any] | None:
    status, body = await call("GET", f"{api}/api/assignments/customer/{cif}", token)
    assert status == 200, body
    open_ = [a for a in body["items"] if a["endedAt"] is None]
    return open_[0] if open_ else None


async def placed_with(api: str, token: str, cif: str, agent: str) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        found = await holder(api, token, cif)
        return found if found is not None and found["agentId"] == agent else None

    got = await apoll(check, deadline_s=90, what=f"{cif} placed with {agent}")
    assert isinstance(got, dict)
    return got


async def capacity(api: str, token: str, agent: str, seats: int) -> None:
    """Set the agent's capacity to their open customers plus `seats`."""
    status, body = await call("GET", f"{api}/api/assignments/agent/{agent}", token)
    assert status == 200, body
    await put(api, token, f"/api/agents/{agent}", {"capacity": len(body["items"]) + seats})


def new_loans(
    system: Settings, cifs: Iterable[str], amount: str, *, dpd: int, product: str
) -> None:
    """The core system opens each customer a loan of `amount`, `dpd` days past due."""
    now = datetime.now(UTC)
    send_core(
        system,
        [
            core_loan(
                f"LD{uuid.uuid4().hex[:12].upper()}",
                amount,
                now,
                cif=cif,
                dpd=dpd,
                product_type=product,
            )
            for cif in cifs
        ],
    )
