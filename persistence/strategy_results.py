"""Champion/challenger: what each arm of a segment achieved, from stored rows only.

Counted over each customer's stays in the arm (workflow.customer_treatment_history): whether
they are still in it with an open case, were cured in it, or moved on to another segment, and
the contact attempts, right-party contacts, promises and payments (not reversed) during the
stays. Arms are compared on the same measures; the split is a
stable hash, so the two groups differ by treatment and chance only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import asyncpg

# Per arm and strategy, over every stay of a customer in it (workflow.customer_treatment_
# history): who is still in it with an open case, who was cured while in it, who moved on to
# another segment (their debt usually got worse), and what happened during the stays.
_OUTCOMES = """
SELECT h.arm, h.strategy_code,
       count(DISTINCT h.cif) AS customers,
       count(DISTINCT h.cif) FILTER (WHERE h.ended_at IS NULL AND c.status = 'OPEN') AS open,
       count(DISTINCT h.cif) FILTER (WHERE h.ended_at IS NULL AND c.status = 'CLOSED') AS cured,
       count(DISTINCT h.cif) FILTER (WHERE h.ended_at IS NOT NULL) AS moved_on,
       coalesce(sum(a.attempts), 0) AS contact_attempts,
       coalesce(sum(a.rpc), 0) AS right_party_contacts,
       coalesce(sum(p.taken), 0) AS promises,
       coalesce(sum(p.kept), 0) AS kept,
       coalesce(sum(p.broken), 0) AS broken
FROM workflow.customer_treatment_history h
LEFT JOIN workflow.customer_case c ON c.cif = h.cif
LEFT JOIN LATERAL (
  SELECT count(*) FILTER (WHERE ty.is_contact_attempt IS NOT FALSE) AS attempts,
         count(*) FILTER (WHERE rc.is_right_party_contact) AS rpc
  FROM actions.action_record r
  LEFT JOIN actions.action_type ty ON ty.code = r.action_type
  LEFT JOIN actions.action_result x ON x.action_id = r.id
  LEFT JOIN actions.result_code rc ON rc.code = x.result
  WHERE r.cif = h.cif AND r.status = 'RECORDED' AND r.occurred_at >= h.started_at
    AND (h.ended_at IS NULL OR r.occurred_at < h.ended_at)
) a ON true
LEFT JOIN LATERAL (
  SELECT count(*) AS taken,
         count(*) FILTER (WHERE pr.status = 'KEPT') AS kept,
         count(*) FILTER (WHERE pr.status = 'BROKEN') AS broken
  FROM workflow.promise pr
  WHERE pr.cif = h.cif AND pr.created_at >= h.started_at
    AND (h.ended_at IS NULL OR pr.created_at < h.ended_at)
) p ON true
WHERE h.segment_code = $1
GROUP BY h.arm, h.strategy_code
"""
_COLLECTED = """
SELECT h.arm, h.strategy_code, p.currency, sum(p.amount) AS amount
FROM workflow.customer_treatment_history h
JOIN workflow.customer_payment p
  ON p.cif = h.cif AND p.paid_at >= h.started_at AND p.reversed_at IS NULL
  AND (h.ended_at IS NULL OR p.paid_at < h.ended_at)
WHERE h.segment_code = $1
GROUP BY h.arm, h.strategy_code, p.currency
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
                "movedOn": row["moved_on"],
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
