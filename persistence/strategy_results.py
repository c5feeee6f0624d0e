"""Champion/challenger: what each arm of a segment achieved, from stored rows only.

Counted per customer since their treatment was decided: whether their case is still open or
cured, contact attempts and right-party contacts recorded, promises taken and how they ended,
and payments received (not reversed). Arms are compared on the same measures; the split is a
stable hash, so the two groups differ by treatment and chance only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import asyncpg

_OUTCOMES = """
SELECT t.arm, t.strategy_code,
       count(*) AS customers,
       count(*) FILTER (WHERE c.status = 'OPEN') AS open,
       count(*) FILTER (WHERE c.status = 'CLOSED') AS cured,
       coalesce(sum(a.attempts), 0) AS contact_attempts,
       coalesce(sum(a.rpc), 0) AS right_party_contacts,
       coalesce(sum(p.taken), 0) AS promises,
       coalesce(sum(p.kept), 0) AS kept,
       coalesce(sum(p.broken), 0) AS broken
FROM workflow.customer_treatment t
LEFT JOIN workflow.customer_case c ON c.cif = t.cif
LEFT JOIN LATERAL (
  SELECT count(*) FILTER (WHERE ty.is_contact_attempt IS NOT FALSE) AS attempts,
         count(*) FILTER (WHERE rc.is_right_party_contact) AS rpc
  FROM actions.action_record r
  LEFT JOIN actions.action_type ty ON ty.code = r.action_type
  LEFT JOIN actions.action_result x ON x.action_id = r.id
  LEFT JOIN actions.result_code rc ON rc.code = x.result
  WHERE r.cif = t.cif AND r.status = 'RECORDED' AND r.occurred_at >= t.decided_at
) a ON true
LEFT JOIN LATERAL (
  SELECT count(*) AS taken,
         count(*) FILTER (WHERE pr.status = 'KEPT') AS kept,
         count(*) FILTER (WHERE pr.status = 'BROKEN') AS broken
  FROM workflow.promise pr WHERE pr.cif = t.cif AND pr.created_at >= t.decided_at
) p ON true
WHERE t.segment_code = $1
GROUP BY t.arm, t.strategy_code
"""
_COLLECTED = """
SELECT t.arm, t.strategy_code, p.currency, sum(p.amount) AS amount
FROM workflow.customer_treatment t
JOIN workflow.customer_payment p
  ON p.cif = t.cif AND p.paid_at >= t.decided_at AND p.reversed_at IS NULL
WHERE t.segment_code = $1
GROUP BY t.arm, t.strategy_code, p.currency
"""


async def arm_results(pool: asyncpg.Pool, segment_code: str) -> list[dict[str, Any]]:
    """One entry per arm and strategy that has customers, champion first (an arm lists
    two strategies when an administrator changed the segment's strategy meanwhile)."""
    collected: dict[tuple[str, str], dict[str, Decimal]] = {}
    for row in await pool.fetch(_COLLECTED, segment_code):
        arm = (row["arm"], row["strategy_code"])
        collected.setdefault(arm, {})[row["currency"]] = row["amount"]
    arms = []
    for row in await pool.fetch(_OUTCOMES, segment_code):
        customers, closed = row["customers"], row["kept"] + row["broken"]
        arms.append(
            {
                "arm": row["arm"],
                "strategyCode": row["strategy_code"],
                "customers": customers,
                "open": row["open"],
                "cured": row["cured"],
                "cureRate": round(row["cured"] / customers, 4),
                "contactAttempts": row["contact_attempts"],
                "rightPartyContacts": row["right_party_contacts"],
                "promises": row["promises"],
                "promisesKept": row["kept"],
                "promisesBroken": row["broken"],
                "promiseKeptRate": None if closed == 0 else round(row["kept"] / closed, 4),
                "amountCollected": {
                    c: str(a)
                    for c, a in sorted(
                        collected.get((row["arm"], row["strategy_code"]), {}).items()
                    )
                },
            }
        )
    return sorted(arms, key=lambda a: (a["arm"] != "CHAMPION", a["strategyCode"]))
