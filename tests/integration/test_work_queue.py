"""The work queue's SQL gives the contact rules' answers, on the real PostgreSQL.

PostgreSQL counts the attempts the rules look at (persistence.work_queue) instead of the
worker running `domain.contact_rules` per customer. Each customer below has a history built
to sit on one edge of a rule; the queue must call them contactable exactly when the domain
does, and rank them as the queue promises. `now` is fixed (a morning in contact hours), so
the test means the same whenever it runs.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from crm.settings import Settings
from domain.contact_rules import Attempt, cadence_allows, may_contact_now, recent
from persistence.db import create_pool
from persistence.work_queue import agent_queue

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 18, 9, 30, tzinfo=HANOI).astimezone(UTC)
YESTERDAY_LATE = datetime(2026, 11, 17, 23, 30, tzinfo=HANOI).astimezone(UTC)


@dataclass
class Customer:
    name: str
    # (when, action type, status)
    actions: list[tuple[datetime, str, str]] = field(default_factory=list)
    cadence_days: int | None = None
    strategy_priority: int = 0
    max_dpd: int = 40


def _calls(
    n: int, at: datetime, kind: str = "CALL", status: str = "RECORDED"
) -> list[tuple[datetime, str, str]]:
    return [(at - timedelta(minutes=i), kind, status) for i in range(n)]


CUSTOMERS = [
    Customer("never contacted"),
    Customer("four calls today", _calls(4, NOW - timedelta(hours=1))),
    Customer("five calls today", _calls(5, NOW - timedelta(hours=1))),
    Customer("five calls late yesterday (local)", _calls(5, YESTERDAY_LATE)),
    Customer("five letters today (not attempts)", _calls(5, NOW, "LETTER")),
    Customer("five refused calls today", _calls(5, NOW, "CALL", "REFUSED")),
    Customer("five calls of an unknown type today", _calls(5, NOW, "PIGEON")),
    Customer(
        "seven calls over the last six days",
        [(NOW - timedelta(days=d, hours=2), "CALL", "RECORDED") for d in (1, 1, 2, 3, 4, 5, 6)],
    ),
    Customer(
        "six calls over the last six days",
        [(NOW - timedelta(days=d, hours=2), "CALL", "RECORDED") for d in (1, 2, 3, 4, 5, 6)],
    ),
    Customer("seven calls eight days ago", _calls(7, NOW - timedelta(days=8))),
    Customer("cadence 3, called 2 days ago", _calls(1, NOW - timedelta(days=2)), 3, 50),
    Customer("cadence 3, called 4 days ago", _calls(1, NOW - timedelta(days=4)), 3, 50),
    Customer("cadence 10, called 9.5 days ago", _calls(1, NOW - timedelta(days=9.5)), 10),
    Customer("cadence 3, only a letter yesterday", _calls(1, NOW - timedelta(days=1), "LETTER"), 3),
]


def expected_contactable(c: Customer, attempt_types: dict[str, bool]) -> bool:
    """The domain's answer from the same history (unknown types count as attempts)."""
    attempts = [
        Attempt("", at)
        for at, kind, status in c.actions
        if status == "RECORDED" and attempt_types.get(kind, True)
    ]
    policy_ok = may_contact_now(POLICY, NOW, recent(attempts, NOW))
    return policy_ok and cadence_allows(c.cadence_days or 0, attempts, NOW)


POLICY = Settings(bank_timezone="Asia/Ho_Chi_Minh").contact_policy()


@dataclass
class Seeded:
    user_id: str
    agent_id: str
    cif_of: dict[str, str]


@pytest.fixture
async def pool(system: Settings) -> AsyncIterator[asyncpg.Pool]:
    p = await create_pool(system, max_size=2, application_name="crm-test")
    yield p
    await p.close()


@pytest.fixture
async def seeded(pool: asyncpg.Pool) -> AsyncIterator[Seeded]:
    tag = uuid.uuid4().hex[:8].upper()
    team, user, agent = f"WQ-{tag}", f"wq-{tag}", f"AG-WQ-{tag}"
    cif_of = {c.name: f"WQ{tag}{i:03d}" for i, c in enumerate(CUSTOMERS)}
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("INSERT INTO agents.team (code, name) VALUES ($1, $1)", team)
        await conn.execute(
            "INSERT INTO agents.directory_user (user_id, username, seen_at) VALUES ($1, $1, $2)",
            user,
            NOW,
        )
        await conn.execute(
            "INSERT INTO agents.agent (id, user_id, employee_id, display_name, team_code,"
            " agent_type, status, capacity) VALUES ($1, $2, $1, $1, $3, 'CALL_CENTER',"
            " 'ACTIVE', 100)",
            agent,
            user,
            team,
        )
        for c in CUSTOMERS:
            cif = cif_of[c.name]
            await conn.execute(
                "INSERT INTO workflow.customer_case (cif, status, max_dpd, bucket, priority,"
                " outstanding, due_amount, outstanding_vnd, loans, opened_at, version,"
                " updated_at) VALUES ($1, 'OPEN', $2, '31-60', 10, $3, $4, 1000000, $5, $6,"
                " 1, $6)",
                cif,
                c.max_dpd,
                {"VND": "1000000.00"},
                {"VND": "100000.00"},
                {},
                NOW - timedelta(days=20),
            )
            await conn.execute(
                "INSERT INTO workflow.customer_agent (cif, agent_id, team_code, assigned_at,"
                " assigned_by, reason) VALUES ($1, $2, $3, $4, 'test', 'test')",
                cif,
                agent,
                team,
                NOW - timedelta(days=20),
            )
            if c.cadence_days is not None:
                await conn.execute(
                    "INSERT INTO workflow.customer_treatment (cif, segment_code, strategy_code,"
                    " arm, team_code, priority, channels, cadence_days, bucket, decided_at)"
                    " VALUES ($1, 'S', 'T', 'CHAMPION', $2, $3, ARRAY['CALL'], $4, '31-60', $5)",
                    cif,
                    team,
                    c.strategy_priority,
                    c.cadence_days,
                    NOW - timedelta(days=20),
                )
            await conn.executemany(
                "INSERT INTO actions.action_record (id, cif, agent_id, user_id, action_type,"
                " subtype, contacted_party, status, refused_rule, occurred_at, recorded_at)"
                " VALUES ($1, $2, $3, $4, $5, 'X', 'CUSTOMER', $6, $7, $8, $8)",
                [
                    (
                        uuid.uuid4(),
                        cif,
                        agent,
                        user,
                        kind,
                        status,
                        "DAILY_LIMIT" if status == "REFUSED" else None,
                        at,
                    )
                    for at, kind, status in c.actions
                ],
            )
    yield Seeded(user, agent, cif_of)
    cifs = list(cif_of.values())
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("DELETE FROM actions.action_record WHERE cif = ANY($1)", cifs)
        await conn.execute("DELETE FROM workflow.customer_treatment WHERE cif = ANY($1)", cifs)
        await conn.execute("DELETE FROM workflow.customer_agent WHERE cif = ANY($1)", cifs)
        await conn.execute("DELETE FROM workflow.customer_case WHERE cif = ANY($1)", cifs)
        await conn.execute("DELETE FROM agents.agent WHERE id = $1", agent)
        await conn.execute("DELETE FROM agents.directory_user WHERE user_id = $1", user)
        await conn.execute("DELETE FROM agents.team WHERE code = $1", team)


async def test_the_queue_calls_contactable_whom_the_rules_would_let_be_called(
    pool: asyncpg.Pool, seeded: Seeded
) -> None:
    types = {
        r["code"]: r["is_contact_attempt"]
        for r in await pool.fetch("SELECT code, is_contact_attempt FROM actions.action_type")
    }
    page = await agent_queue(pool, seeded.user_id, NOW, POLICY, everything=True)
    assert page is not None and page.agent_id == seeded.agent_id
    name_of = {cif: name for name, cif in seeded.cif_of.items()}
    got = {name_of[i["cif"]]: i["contactableNow"] for i in json.loads(page.items_json)}
    want = {c.name: expected_contactable(c, types) for c in CUSTOMERS}
    assert got == want
    # The edges are really edges: each rule refuses someone and lets someone through.
    assert not want["five calls today"] and want["four calls today"]
    assert not want["seven calls over the last six days"]
    assert want["six calls over the last six days"]
    assert not want["cadence 3, called 2 days ago"] and want["cadence 3, called 4 days ago"]
    assert page.not_contactable_now == sum(not ok for ok in want.values())


async def test_without_all_the_queue_shows_only_the_contactable_most_urgent_first(
    pool: asyncpg.Pool, seeded: Seeded
) -> None:
    page = await agent_queue(pool, seeded.user_id, NOW, POLICY, everything=False)
    assert page is not None
    items = json.loads(page.items_json)
    assert all(i["contactableNow"] for i in items)
    assert sorted(page.cifs) == sorted(i["cif"] for i in items)
    # The strategy's priority ranks first: the only prioritised contactable customer leads.
    assert items[0]["cif"] == seeded.cif_of["cadence 3, called 4 days ago"]
    assert items[0]["strategy"] == {
        "code": "T",
        "priority": 50,
        "channels": ["CALL"],
        "cadenceDays": 3,
    }
    # Outside contact hours nobody is shown, and everybody is counted as not contactable.
    night = datetime(2026, 11, 18, 21, 30, tzinfo=HANOI).astimezone(UTC)
    closed = await agent_queue(pool, seeded.user_id, night, POLICY, everything=False)
    assert closed is not None
    assert (json.loads(closed.items_json), closed.not_contactable_now) == ([], len(CUSTOMERS))
