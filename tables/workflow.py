"""Workflow's RocksDB tables, declared once, and the JSON their values are stored as."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import faust
from faust.tables import Table

from domain.action_decision import ContactState, Decided, Status
from domain.contact_rules import Attempt, Rule
from tables.raw import raw_keyed_table

CONTACTS_TABLE = "customer-contacts"


def customer_contacts(app: faust.App) -> Table:
    """Per-customer contact attempts and decisions keyed by CIF, co-partitioned with commands."""
    return raw_keyed_table(app, CONTACTS_TABLE)


def contacts_to_json(state: ContactState) -> dict[str, Any]:
    return {
        "attempts": [[a.action_id, a.occurred_at.isoformat()] for a in state.attempts],
        "decided": {
            key: {
                "status": d.status.value,
                "rule": d.rule.value if d.rule else None,
                "reason": d.reason,
                "at": d.decided_at.isoformat(),
            }
            for key, d in state.decided.items()
        },
    }


def contacts_from_json(value: dict[str, Any] | None) -> ContactState | None:
    if value is None:
        return None
    return ContactState(
        attempts=tuple(Attempt(i, datetime.fromisoformat(at)) for i, at in value["attempts"]),
        decided={
            key: Decided(
                key,
                Status(d["status"]),
                Rule(d["rule"]) if d["rule"] else None,
                d["reason"],
                datetime.fromisoformat(d["at"]),
            )
            for key, d in value["decided"].items()
        },
    )
