"""The sync read API through nginx: customers, loans, search, scope, errors and the audit.

Rows go straight into sync_entities with keys of their own (the agents that fill these
tables are tested elsewhere), and are removed afterwards.
"""

from __future__ import annotations

import random
import string
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from crm.settings import Settings
from domain.text_fold import fold
from tests.integration.auth_client import call, token_for
from tests.integration.conftest import apoll
from tests.integration.workflow_staff import agent_in, assign, new_team

NOW = datetime.now(UTC)
# Tables whose rows name their customer; due segments hang off a loan.
BY_CIF = (
    "customer",
    "phone",
    "address",
    "email",
    "loan",
    "collateral",
    "loan_collateral",
    "reference_customer",
)


@dataclass(frozen=True)
class Bank:
    """One test's customers and loans, all keyed with `tag`."""

    tag: str
    surname: str  # a word no other data has, with accents: "Đỗ" + random letters
    cif: str  # Nguyễn Văn A, with contacts, loans, a collateral and a reference
    cif_anh: str  # Nguyễn Văn Anh
    cif_b: str  # Trần Thị B
    cif_deleted: str
    national_id: str
    phone: str  # national number without the leading 0
    product: str
    accounts: dict[str, str]


async def _insert(db: asyncpg.Pool, table: str, **values: Any) -> None:
    values = {
        "source_system": "T24",
        "source_record_id": str(next(iter(values.values()))),
        "source_ts": NOW,
        "last_synced_at": NOW,
        **values,
    }
    columns = ", ".join(f'"{c}"' for c in values)
    params = ", ".join(f"${i}" for i in range(1, len(values) + 1))
    await db.execute(
        f"INSERT INTO sync_entities.{table} ({columns}) VALUES ({params})", *values.values()
    )


async def _customer(db: asyncpg.Pool, cif: str, name: str, **extra: Any) -> None:
    await _insert(
        db,
        "customer",
        cif=cif,
        customer_type="INDIVIDUAL",
        name=name,
        name_folded=fold(name),
        status="ACTIVE",
        **extra,
    )


async def _loan(
    db: asyncpg.Pool, account: str, cif: str, dpd: int, product: str, **kw: Any
) -> None:
    await _insert(
        db,
        "loan",
        account_number=account,
        cif=cif,
        product_type=product,
        currency="VND",
        original_amount=Decimal("100000000.00"),
        outstanding=Decimal("80000000.00"),
        due_amount=Decimal("5000000.00"),
        remaining_amount=Decimal("75000000.00"),
        dpd=dpd,
        status=kw.pop("status", "OPEN"),
        **kw,
    )


@pytest.fixture
async def bank(db: asyncpg.Pool) -> AsyncIterator[Bank]:
    tag = "IT" + uuid.uuid4().hex[:12].upper()
    letters = "".join(random.choices(string.ascii_lowercase, k=10))
    b = Bank(
        tag=tag,
        surname="Đỗ" + letters,
        cif=f"{tag}A",
        cif_anh=f"{tag}ANH",
        cif_b=f"{tag}B",
        cif_deleted=f"{tag}DEL",
        national_id="".join(random.choices(string.digits, k=12)),
        phone="9" + "".join(random.choices(string.digits, k=8)),
        product=f"P{tag}",
        accounts={k: f"{tag}-{k}" for k in ("d5", "d15a", "d15b", "d40", "d95", "closed", "gone")},
    )
    await _customer(db, b.cif, f"{b.surname} Nguyễn Văn A", national_id=b.national_id)
    await _customer(db, b.cif_anh, f"{b.surname} Nguyễn Văn Anh")
    await _customer(db, b.cif_b, f"{b.surname} Trần Thị B")
    await _customer(db, b.cif_deleted, f"{b.surname} Nguyễn Văn A", is_deleted=True)
    primary, other = {"is_primary": True, "is_verified": True}, {"is_primary": False}
    contacts: list[tuple[str, dict[str, Any]]] = [
        ("phone", {"type": "MOBILE1", "number": f"+84{b.phone}", **primary}),
        ("phone", {"type": "HOME1", "number": "028123456", "is_deleted": True, **other}),
        ("address", {"type": "HOME", "line1": "12 Lê Lợi", "city": "Hà Nội", **primary}),
        ("email", {"address": f"{tag.lower()}@example.vn", **primary}),
    ]
    for table, values in contacts:
        await _insert(db, table, cif=b.cif, **{"is_verified": False, **values})
    a = b.accounts
    for key, dpd in (("d5", 5), ("d15a", 15), ("d15b", 15), ("d40", 40), ("d95", 95)):
        product = f"{b.product}:GOLD" if key == "d15b" else b.product
        status = "BLOCKED" if key == "d40" else None
        await _loan(db, a[key], b.cif, dpd, product, delinquency_status=status)
    await _loan(db, a["closed"], b.cif, 30, b.product, status="CLOSED")
    await _loan(db, a["gone"], b.cif, 30, b.product, is_deleted=True)
    money = {"principal": 4_000_000, "interest": 900_000, "fees": 50_000, "penalty": 50_000}
    await _insert(
        db,
        "due_segmentation",
        account_number=a["d40"],
        due_date=date(2026, 10, 5),
        **{k: Decimal(v) for k, v in money.items()},
    )
    vehicle = {"type": "VEHICLE", "make": "Honda", "license_plate": "29A-123.45"}
    await _insert(
        db,
        "collateral",
        collateral_number=f"{tag}-C1",
        cif=b.cif,
        value=Decimal(350_000_000),
        **vehicle,
    )
    await _insert(
        db, "loan_collateral", account_number=a["d40"], collateral_number=f"{tag}-C1", cif=b.cif
    )
    await _insert(
        db,
        "reference_customer",
        ref_cif=f"{tag}R",
        cif=b.cif,
        relationship_type="SPOUSE",
        name="Lê Thị C",
        phone="0912345678",
    )
    yield b
    for table in BY_CIF:
        await db.execute(f"DELETE FROM sync_entities.{table} WHERE cif LIKE $1", f"{tag}%")
    await db.execute(
        "DELETE FROM sync_entities.due_segmentation WHERE account_number LIKE $1", f"{tag}%"
    )


async def _audited(db: asyncpg.Pool, cif: str, resource: str) -> bool:
    found = await db.fetchval(
        "SELECT EXISTS (SELECT 1 FROM audit.audit_log WHERE action = 'DATA_ACCESS'"
        " AND customer_cif = $1 AND details->>'resource' = $2 AND service = 'sync')",
        cif,
        resource,
    )
    return bool(found)


async def test_customer_with_contacts_and_its_read_is_audited(
    api: str, token: str, bank: Bank, db: asyncpg.Pool
) -> None:
    status, body = await call("GET", f"{api}/api/customers/{bank.cif}", token)
    assert status == 200, body
    assert (body["cif"], body["name"], body["nationalId"]) == (
        bank.cif,
        f"{bank.surname} Nguyễn Văn A",
        bank.national_id,
    )
    # The phone deleted in the source is not shown.
    assert [(p["type"], p["number"], p["isPrimary"]) for p in body["phones"]] == [
        ("MOBILE1", f"+84{bank.phone}", True)
    ]
    assert [(a["line1"], a["city"]) for a in body["addresses"]] == [("12 Lê Lợi", "Hà Nội")]
    assert [e["address"] for e in body["emails"]] == [f"{bank.tag.lower()}@example.vn"]
    assert body["sourceSystem"] == "T24"
    await apoll(
        lambda: _audited(db, bank.cif, "customer"), deadline_s=30, what="the DATA_ACCESS row"
    )


async def test_loans_collaterals_and_references_of_a_customer(
    api: str, token: str, bank: Bank, db: asyncpg.Pool
) -> None:
    status, loans = await call("GET", f"{api}/api/customers/{bank.cif}/loans", token)
    assert status == 200
    accounts = [loan["accountNumber"] for loan in loans["items"]]
    a = bank.accounts
    # Open ones first, most overdue first; the deleted loan is hidden.
    assert accounts == [a["d95"], a["d40"], a["d15a"], a["d15b"], a["d5"], a["closed"]]
    assert loans["items"][0]["outstanding"] == "80000000.00"

    status, collaterals = await call("GET", f"{api}/api/customers/{bank.cif}/collaterals", token)
    assert status == 200
    (collateral,) = collaterals["items"]
    assert collateral["accountNumbers"] == [a["d40"]]
    assert collateral["vehicle"]["licensePlate"] == "29A-123.45"
    assert collateral["property"] is None

    status, references = await call("GET", f"{api}/api/customers/{bank.cif}/references", token)
    assert status == 200
    assert [(r["refCif"], r["relationshipType"]) for r in references["items"]] == [
        (f"{bank.tag}R", "SPOUSE")
    ]
    await apoll(
        lambda: _audited(db, f"{bank.tag}R", f"reference_of:{bank.cif}"),
        deadline_s=30,
        what="the reference person's DATA_ACCESS row",
    )


async def test_loan_with_due_segments_and_collaterals(api: str, token: str, bank: Bank) -> None:
    status, loan = await call("GET", f"{api}/api/loans/{bank.accounts['d40']}", token)
    assert status == 200, loan
    assert (loan["cif"], loan["dpd"], loan["delinquencyStatus"]) == (bank.cif, 40, "BLOCKED")
    assert loan["dueSegments"] == [
        {
            "dueDate": "2026-10-05",
            "principal": "4000000.00",
            "interest": "900000.00",
            "fees": "50000.00",
            "penalty": "50000.00",
            "total": "5000000.00",
        }
    ]
    assert [c["collateralNumber"] for c in loan["collaterals"]] == [f"{bank.tag}-C1"]


async def _search(api: str, token: str, q: str, **params: str) -> list[str]:
    status, body = await call("GET", f"{api}/api/customers", token, params={"q": q, **params})
    assert status == 200, body
    return [item["cif"] for item in body["items"]]


async def test_search_ignores_accents_and_finds_every_kind_of_key(
    api: str, token: str, bank: Bank, db: asyncpg.Pool
) -> None:
    folded = fold(bank.surname)
    # Word order is free; the last word is a prefix (as typed so far): "a" finds "Anh" too.
    assert await _search(api, token, f"{folded} nguyen van a") == [bank.cif, bank.cif_anh]
    assert await _search(api, token, f"nguyen van anh {folded}") == [bank.cif_anh]
    assert await _search(api, token, f"{bank.surname} Nguyễn Văn A", sort="-name") == [
        bank.cif_anh,
        bank.cif,
    ]
    assert await _search(api, token, f"{folded} tran thi") == [bank.cif_b]
    assert await _search(api, token, bank.cif) == [bank.cif]
    assert await _search(api, token, bank.national_id) == [bank.cif]
    # Ten of twelve digits: among 1.7 million generated ids, eight also matched another id.
    assert await _search(api, token, bank.national_id[-10:]) == [bank.cif]
    # Stored as +84…, typed as 0… with spaces.
    assert await _search(api, token, f"0{bank.phone[:3]} {bank.phone[3:]}") == [bank.cif]
    assert await _search(api, token, bank.accounts["d40"]) == [bank.cif]
    # The customer deleted in the source is never found.
    assert bank.cif_deleted not in await _search(api, token, f"{folded} nguyen van a")
    assert await _search(api, token, folded, status="INACTIVE") == []
    await apoll(
        lambda: _audited(db, bank.cif_anh, "customer_search"),
        deadline_s=30,
        what="a DATA_ACCESS row for a search result",
    )


async def test_search_pages_by_keyset(api: str, token: str, bank: Bank) -> None:
    url = f"{api}/api/customers"
    params = {"q": fold(bank.surname), "sort": "cif", "limit": "2"}
    status, first = await call("GET", url, token, params=params)
    assert status == 200 and first["nextCursor"]
    status, second = await call("GET", url, token, params={**params, "cursor": first["nextCursor"]})
    assert status == 200 and second["nextCursor"] is None
    cifs = [i["cif"] for i in first["items"] + second["items"]]
    assert cifs == sorted([bank.cif, bank.cif_anh, bank.cif_b])


async def test_delinquent_filters_and_pages_without_duplicates(
    api: str, token: str, bank: Bank
) -> None:
    url = f"{api}/api/loans/delinquent"
    params = {"product": bank.product, "dpd_min": "10", "dpd_max": "90", "limit": "2"}
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(5):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        status, page = await call("GET", url, token, params=query)
        assert status == 200, page
        assert len(page["items"]) <= 2
        seen += [loan["accountNumber"] for loan in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    a = bank.accounts
    # Most overdue first; the product family includes ":GOLD"; closed and deleted are out.
    assert seen == [a["d40"], a["d15b"], a["d15a"]]

    status, page = await call("GET", url, token, params={**params, "sort": "accountNumber"})
    assert [loan["accountNumber"] for loan in page["items"]] == [a["d15a"], a["d15b"]]
    status, page = await call(
        "GET", url, token, params={"product": bank.product, "status": "BLOCKED"}
    )
    assert [loan["accountNumber"] for loan in page["items"]] == [a["d40"]]


async def test_unknown_and_deleted_are_404(api: str, token: str, bank: Bank) -> None:
    for path, code in (
        (f"/api/customers/{bank.tag}NOPE", "CUSTOMER_NOT_FOUND"),
        (f"/api/customers/{bank.cif_deleted}", "CUSTOMER_NOT_FOUND"),
        (f"/api/customers/{bank.cif_deleted}/loans", "CUSTOMER_NOT_FOUND"),
        (f"/api/loans/{bank.accounts['gone']}", "LOAN_NOT_FOUND"),
        (f"/api/loans/{bank.tag}-NOPE", "LOAN_NOT_FOUND"),
    ):
        status, body = await call("GET", f"{api}{path}", token)
        assert (status, body["code"]) == (404, code), path


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/loans/delinquent?dpd_min=abc", "dpd_min"),
        ("/api/loans/delinquent?dpd_min=-1", "dpd_min"),
        ("/api/loans/delinquent?dpd_min=50&dpd_max=10", "dpd_max"),
        ("/api/loans/delinquent?limit=0", "limit"),
        ("/api/loans/delinquent?limit=100000", "limit"),
        ("/api/loans/delinquent?cursor=not-a-cursor", "cursor"),
        ("/api/loans/delinquent?sort=cif", "sort"),
        ("/api/customers?q=nguyen&cursor=WyJkcGQiLDEsIngiXQ", "cursor"),  # ["dpd",1,"x"]
        ("/api/customers?q=nguyen&status=ALIVE", "status"),
        ("/api/customers?q=%00%00", "q"),
        ("/api/customers", "q"),
    ],
)
async def test_bad_parameters_are_400_naming_the_field(
    api: str, token: str, path: str, field: str
) -> None:
    status, body = await call("GET", f"{api}{path}", token)
    assert (status, body.get("field")) == (400, field), body


async def test_cursor_of_another_sort_is_400(api: str, token: str, bank: Bank) -> None:
    url = f"{api}/api/loans/delinquent"
    status, page = await call("GET", url, token, params={"product": bank.product, "limit": "1"})
    assert status == 200 and page["nextCursor"]
    query = {"product": bank.product, "sort": "outstanding", "cursor": page["nextCursor"]}
    status, body = await call("GET", url, token, params=query)
    assert (status, body["field"]) == (400, "cursor")


async def test_agent_without_assignments_sees_no_customer(
    system: Settings, api: str, bank: Bank
) -> None:
    agent = (await token_for(api, system, "agent1"))["accessToken"]
    for path in (f"/api/customers/{bank.cif}", f"/api/customers/{bank.cif}/loans"):
        status, body = await call("GET", f"{api}{path}", agent)
        assert (status, body["code"]) == (404, "CUSTOMER_NOT_FOUND"), path
    status, body = await call("GET", f"{api}/api/loans/{bank.accounts['d40']}", agent)
    assert (status, body["code"]) == (404, "LOAN_NOT_FOUND")
    assert await _search(api, agent, bank.cif) == []
    status, page = await call("GET", f"{api}/api/loans/delinquent?product={bank.product}", agent)
    assert (status, page["items"]) == (200, [])


async def test_assigned_customers_are_seen_by_their_agent_and_team_lead_only(
    system: Settings, api: str, token: str, bank: Bank
) -> None:
    team = await new_team(api, token, "sync")
    agent1 = await agent_in(api, system, token, "agent1", team)
    lead = await agent_in(api, system, token, "teamlead1", team)
    other_team = await new_team(api, token, "other")
    await agent_in(api, system, token, "agent2", other_team)
    status, body = await call("PUT", f"{api}/api/teams/{team}", token, json={"leadAgentId": lead})
    assert status == 200, body
    await assign(api, token, bank.cif, agent1)
    tokens = {
        name: (await token_for(api, system, name))["accessToken"]
        for name in ("agent1", "teamlead1", "agent2")
    }

    async def seen_by(name: str) -> bool:
        status, _ = await call("GET", f"{api}/api/customers/{bank.cif}", tokens[name])
        return status == 200

    # The sync service learns assignments from workflow.assignments: allow it a moment.
    await apoll(lambda: seen_by("agent1"), deadline_s=15, what="agent1 seeing the customer")
    await apoll(lambda: seen_by("teamlead1"), deadline_s=15, what="the lead seeing it")
    assert not await seen_by("agent2")
    assert await _search(api, tokens["agent1"], bank.surname) == [bank.cif]
    # Another customer of the same test stays hidden from the agent.
    status, _ = await call("GET", f"{api}/api/customers/{bank.cif_b}", tokens["agent1"])
    assert status == 404


async def test_auditor_sees_every_customer(system: Settings, api: str, bank: Bank) -> None:
    auditor = (await token_for(api, system, "auditor"))["accessToken"]
    status, body = await call("GET", f"{api}/api/customers/{bank.cif}", auditor)
    assert (status, body["cif"]) == (200, bank.cif)
