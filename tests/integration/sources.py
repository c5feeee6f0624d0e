"""Write to the simulated source databases the way the bank's systems would."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg

from crm.settings import Settings


def source_dsn(settings: Settings, database: str) -> str:
    return settings.database_url("postgresql").rsplit("/", 1)[0] + f"/{database}"


def execute(settings: Settings, database: str, sql: str, *params: Any) -> None:
    """Run one statement in its own committed transaction (one CDC event per call)."""
    with psycopg.connect(source_dsn(settings, database), autocommit=True) as conn:
        conn.execute(sql, params)


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10].upper()}"


def customer_xml(cif: str, name: str, phones: list[tuple[str, str]] | None = None) -> str:
    numbers = "".join(f'<c7 m="{i}">{n}</c7>' for i, (n, _) in enumerate(phones or [], 1))
    kinds = "".join(f'<c13 m="{i}">{k}</c13>' for i, (_, k) in enumerate(phones or [], 1))
    return (
        f'<row id="{cif}"><c1>{name}</c1>{numbers}<c8>INDIVIDUAL</c8><c12>ACTIVE</c12>{kinds}</row>'
    )


def loan_xml(account: str, cif: str, dpd: int, outstanding: int = 80_000_000) -> str:
    return (
        f'<row id="{account}"><c1>{cif}</c1><c2>PERSONAL_LOAN</c2><c3>VND</c3>'
        f"<c4>100000000</c4><c10>{outstanding}</c10><c11>5000000</c11><c13>{dpd}</c13>"
        "<c14>OPEN</c14></row>"
    )


def upsert_t24(settings: Settings, table: str, recid: str, xml: str) -> None:
    execute(
        settings,
        "t24",
        f'INSERT INTO "{table}" ("RECID", "XMLRECORD") VALUES (%s, %s)'
        ' ON CONFLICT ("RECID") DO UPDATE SET "XMLRECORD" = EXCLUDED."XMLRECORD"',
        recid,
        xml,
    )
