"""Agent performance from what is stored: actions, results, promises, attributed payments.

Nothing is estimated. A payment is attributed to the agent of the customer's most recent
recorded action before it, if that action was within the attribution window (a promise is
taken by an action, so "after their promise or contact" is one rule).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

_ACTIONS = """
SELECT r.agent_id,
       count(*) AS actions,
       count(*) FILTER (WHERE t.is_contact_attempt IS NOT FALSE) AS contact_attempts,
       count(*) FILTER (WHERE rc.is_right_party_contact) AS right_party_contacts
FROM actions.action_record r
LEFT JOIN actions.action_type t ON t.code = r.action_type
LEFT JOIN actions.action_result x ON x.action_id = r.id
LEFT JOIN actions.result_code rc ON rc.code = x.result
WHERE r.agent_id = ANY($1::text[]) AND r.status = 'RECORDED'
  AND r.occurred_at >= $2 AND r.occurred_at < $3
GROUP BY r.agent_id
"""
# Promises taken in the period, and promises closed (kept or broken) in the period.
_PROMISES = """
SELECT r.agent_id,
       count(*) FILTER (WHERE p.created_at >= $2 AND p.created_at < $3) AS promises,
       count(*) FILTER (WHERE p.status = 'KEPT' AND p.closed_at >= $2 AND p.closed_at < $3)
         AS kept,
       count(*) FILTER (WHERE p.status = 'BROKEN' AND p.closed_at >= $2 AND p.closed_at < $3)
         AS broken
FROM workflow.promise p
JOIN actions.action_record r ON r.id::text = p.promise_id
WHERE r.agent_id = ANY($1::text[])
GROUP BY r.agent_id
"""
_COLLECTED = """
SELECT last.agent_id, p.currency, sum(p.amount) AS amount, count(*) AS payments
FROM workflow.customer_payment p
CROSS JOIN LATERAL (
  SELECT r.agent_id FROM actions.action_record r
  WHERE r.cif = p.cif AND r.status = 'RECORDED'
    AND r.occurred_at <= p.paid_at AND r.occurred_at > p.paid_at - $4::interval
  ORDER BY r.occurred_at DESC LIMIT 1
) last
WHERE p.paid_at >= $2 AND p.paid_at < $3 AND p.reversed_at IS NULL
  AND last.agent_id = ANY($1::text[])
GROUP BY last.agent_id, p.currency
"""


@dataclass
class Performance:
    actions: int = 0
    contact_attempts: int = 0
    right_party_contacts: int = 0
    promises: int = 0
    promises_kept: int = 0
    promises_broken: int = 0
    collected: dict[str, Decimal] = field(default_factory=dict)
    collected_payments: int = 0

    def json(self) -> dict[str, Any]:
        closed = self.promises_kept + self.promises_broken
        return {
            "actions": self.actions,
            "contactAttempts": self.contact_attempts,
            "rightPartyContacts": self.right_party_contacts,
            "promises": self.promises,
            "promisesKept": self.promises_kept,
            "promisesBroken": self.promises_broken,
            # Of the promises that came due in the period; null when none did.
            "promiseKeptRate": None if closed == 0 else round(self.promises_kept / closed, 4),
            "amountCollected": {c: str(a) for c, a in sorted(self.collected.items())},
            "paymentsCollected": self.collected_payments,
        }


async def performance(
    pool: asyncpg.Pool,
    agent_ids: Sequence[str],
    since: datetime,
    until: datetime,
    window: timedelta,
) -> dict[str, Performance]:
    """Each agent's figures for [since, until)."""
    out = {agent: Performance() for agent in agent_ids}
    ids = list(agent_ids)
    for row in await pool.fetch(_ACTIONS, ids, since, until):
        p = out[row["agent_id"]]
        p.actions, p.contact_attempts = row["actions"], row["contact_attempts"]
        p.right_party_contacts = row["right_party_contacts"]
    for row in await pool.fetch(_PROMISES, ids, since, until):
        p = out[row["agent_id"]]
        p.promises, p.promises_kept, p.promises_broken = row["promises"], row["kept"], row["broken"]
    for row in await pool.fetch(_COLLECTED, ids, since, until, window):
        p = out[row["agent_id"]]
        p.collected[row["currency"]] = row["amount"]
        p.collected_payments += row["payments"]
    return out


def total(parts: Sequence[Performance]) -> Performance:
    """A team's figures: the sum of its agents'."""
    whole = Performance()
    for p in parts:
        whole.actions += p.actions
        whole.contact_attempts += p.contact_attempts
        whole.right_party_contacts += p.right_party_contacts
        whole.promises += p.promises
        whole.promises_kept += p.promises_kept
        whole.promises_broken += p.promises_broken
        whole.collected_payments += p.collected_payments
        for currency, amount in p.collected.items():
            whole.collected[currency] = whole.collected.get(currency, Decimal(0)) + amount
    return whole
