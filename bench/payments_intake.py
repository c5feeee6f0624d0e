"""The gateway's webhook under load: accepted notifications/s, and 202 → readable latency.

Both run against the whole system through nginx, signed like the gateway signs. The
limit beside them is pgbench's single-row insert rate from the same run: one durable write
per payment is what any intake has to pay at least once.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field

import aiohttp
import asyncpg

from bench import webhook_wrk
from bench.api import admin_token
from bench.lag import drained
from bench.report import Result
from bench.visibility import Visible, watching
from bench.wrk import WrkRun
from crm.settings import Settings
from runtime import manager
from security.webhook_signature import sign
from streams.topics import PAYMENTS_EVENTS, PAYMENTS_NOTIFICATIONS, WORKFLOW_COMMANDS

WEBHOOK = "/api/payments/notification"
CHANNEL = "MOBILE"
# One loan per this many payments: the load spreads over every partition.
PAYMENTS_PER_LOAN = 20
# Payments go to the synced bank's open loans, as a gateway's would: applied and allocated,
# not held in suspense. Only without such loans (an empty database) do they go to invented
# loans, which the service holds in suspense. Up to this many loans, spread as a bank's
# payments are: with 5,000, a run gave each loan about ten payments, so its ledger stayed
# decoded in the payments worker's cache (a cost a bank's load rarely has) and grew run
# after run (a loan's ledger keeps every reference it took).
KNOWN_LOANS = 100_000
_KNOWN_LOANS_SQL = """
SELECT account_number FROM sync_entities.loan
WHERE NOT is_deleted AND status = 'OPEN' AND currency = 'VND'
ORDER BY random() LIMIT $1
"""
# Payments watched until readable, per second of load, whatever the rate.
SAMPLES_PER_SECOND = 50
# A sample not readable by then counts as slower than every other.
VISIBLE_WITHIN_SECONDS = 60.0
# wrk's connections for a steady rate: at 1,000/s and a few ms per answer, about 5 are busy.
PACED_CONNECTIONS = 32
# Steady rates tried, lowest first, for the highest one whose latency meets the goal.
SUSTAINABLE_RATES = (100.0, 250.0, 500.0, 750.0, 1000.0, 1500.0, 2000.0)


@dataclass
class _Intake:
    accepted: int = 0
    refused: dict[int | None, int] = field(default_factory=dict)
    accepted_at: dict[str, float] = field(default_factory=dict)


def _secret(settings: Settings) -> str:
    return (settings.payment_webhook_secrets_path / CHANNEL).read_text().splitlines()[0].strip()


async def _known_loans(settings: Settings) -> list[str]:
    conn = await asyncpg.connect(settings.asyncpg_dsn())
    try:
        return [r["account_number"] for r in await conn.fetch(_KNOWN_LOANS_SQL, KNOWN_LOANS)]
    finally:
        await conn.close()


def _loan(tag: str, n: int, loans: list[str]) -> str:
    if loans:
        return loans[n % len(loans)]
    return f"LD{tag}{n // PAYMENTS_PER_LOAN:06d}"


def _body(tag: str, n: int, loans: list[str]) -> bytes:
    return json.dumps(
        {
            "referenceNumber": f"{tag}-{n}",
            "loanAccountNumber": _loan(tag, n, loans),
            "amount": "150000",
            "currency": "VND",
            "paidAt": "2026-11-20T10:15:00+07:00",
            "channel": CHANNEL,
        }
    ).encode()


async def _post(
    session: aiohttp.ClientSession,
    url: str,
    secret: str,
    tag: str,
    n: int,
    seen: _Intake,
    loans: list[str],
) -> None:
    body = _body(tag, n, loans)
    now = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "X-Payment-Channel": CHANNEL,
        "X-Payment-Timestamp": str(now),
        "X-Payment-Signature": sign(secret, now, body),
    }
    status: int | None
    try:
        async with session.post(url, data=body, headers=headers) as resp:
            await resp.read()
            status = resp.status
    except (aiohttp.ClientError, TimeoutError):
        status = None
    if status == 202:
        seen.accepted += 1
        seen.accepted_at[f"{tag}-{n}"] = time.perf_counter()
    else:
        seen.refused[status] = seen.refused.get(status, 0) + 1


async def _visible_latencies(
    settings: Settings,
    api: str,
    token: str,
    secret: str,
    rate: float,
    seconds: float,
    loans: list[str],
) -> tuple[_Intake, Visible]:
    """`rate` notifications a second for `seconds`, of which SAMPLES_PER_SECOND are watched
    until readable (bench.visibility).

    wrk sends the others on a fixed schedule (bench.webhook_wrk.pace). Sent from here, in
    Python, all of them took about a third of a core at 1,000/s (31% measured), CPU the
    system under test then did not have. The watched ones are sent from here at even
    intervals, since their acceptance time is what the latency is measured from.
    """
    watched_rate = min(rate, SAMPLES_PER_SECOND)
    # The watched payments start half way through the loans: not on wrk's first loans.
    watched_loans = loans[len(loans) // 2 :] + loans[: len(loans) // 2]
    seen = _Intake()
    tag = f"BL{uuid.uuid4().hex[:8].upper()}"
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session,
        watching(settings, session, api, token) as watch,
    ):

        async def send(n: int) -> None:
            await _post(session, api + WEBHOOK, secret, f"{tag}S", n, seen, watched_loans)
            ref = f"{tag}S-{n}"
            if ref in seen.accepted_at:
                watch.expect(ref, seen.accepted_at[ref])

        async def send_watched() -> None:
            tasks = []
            begin = time.perf_counter()
            for n in range(int(watched_rate * seconds)):
                await asyncio.sleep(max(0.0, begin + n / watched_rate - time.perf_counter()))
                tasks.append(asyncio.create_task(send(n)))
            await asyncio.gather(*tasks)

        if rate > watched_rate:
            hook = webhook_wrk.Webhook(
                api, WEBHOOK, CHANNEL, secret, lambda n: _body(f"{tag}W", n, loans)
            )
            others = asyncio.to_thread(
                webhook_wrk.pace, hook, rate - watched_rate, seconds, PACED_CONNECTIONS
            )
            run, _ = await asyncio.gather(others, send_watched())
            _count_paced(seen, run)
        else:
            await send_watched()
        return seen, await watch.settle(VISIBLE_WITHIN_SECONDS)


def _count_paced(seen: _Intake, run: WrkRun) -> None:
    seen.accepted += run.answered(202)
    for status, n in run.statuses.items():
        if status != 202:
            seen.refused[status] = seen.refused.get(status, 0) + n
    if run.errors:
        seen.refused[None] = seen.refused.get(None, 0) + run.errors


def _refusals(seen: _Intake) -> str:
    if not seen.refused:
        return "none refused"
    return ", ".join(f"{n} x {status or 'no answer'}" for status, n in seen.refused.items())


async def _sustainable(
    settings: Settings, api: str, token: str, secret: str, seconds: float, loans: list[str]
) -> Result:
    """The highest of a few steady rates at which 202 → readable stays under 1 s at p99:
    what this machine can take with the latency the goal asks for."""
    tried = []
    best = 0.0
    for rate in SUSTAINABLE_RATES:
        await _quiet(settings)
        _, visible = await _visible_latencies(settings, api, token, secret, rate, seconds, loans)
        p99 = visible.quantile_ms(0.99)
        tried.append(f"{rate:.0f}/s: p50 {visible.quantile_ms(0.5):,.0f}, p99 {p99:,.0f} ms")
        if p99 < 1000:
            best = rate
        else:
            break  # higher rates only queue more
    return Result(
        "highest steady webhook rate with 202 → readable p99 < 1 s",
        best,
        "/s",
        note=f"{seconds:.0f}s at each; " + "; ".join(tried),
    )


async def _quiet(settings: Settings) -> None:
    """Wait until every payment so far is applied and the workflow (which takes in each
    payment event for its promises) has handled them too.

    Otherwise a measurement could share the cores with the backlog of the one before it (a
    sweep ends at a rate the workers could not keep up with).
    """
    await drained(settings, "payments", PAYMENTS_NOTIFICATIONS.name)
    await drained(settings, "workflow", PAYMENTS_EVENTS.name)
    await drained(settings, "workflow", WORKFLOW_COMMANDS.name)


def intake_costs(
    settings: Settings,
    admin_password: str,
    pgbench_tps: float | None,
    seconds: float,
    clients: int,
    rate: float,
) -> list[Result]:
    assert manager.up(settings, only=None) == 0, "the whole system must be up"
    api = f"http://127.0.0.1:{settings.nginx_port}"
    secret = _secret(settings)

    async def run() -> list[Result]:
        loans = await _known_loans(settings)
        to = f"{len(loans):,} open loans of the synced bank" if loans else "unknown loans"
        tag = f"BI{uuid.uuid4().hex[:8].upper()}"
        hook = webhook_wrk.Webhook(api, WEBHOOK, CHANNEL, secret, lambda n: _body(tag, n, loans))
        await _quiet(settings)
        saturated = await asyncio.to_thread(webhook_wrk.saturate, hook, seconds, clients)
        token = await admin_token(api, admin_password)
        # The saturating burst is still being applied: latency is measured from an empty queue.
        await _quiet(settings)
        steady, visible = await _visible_latencies(
            settings, api, token, secret, rate, seconds, loans
        )
        results = [
            Result(
                "webhook notifications accepted (202), saturated",
                saturated.successful / saturated.seconds,
                "/s",
                limit=pgbench_tps,
                limit_source="pgbench single-row inserts" if pgbench_tps else "",
                note=(
                    f"wrk, {clients} connections for {saturated.seconds:.0f}s, to {to};"
                    f" {saturated.requests - saturated.successful} refused,"
                    f" {saturated.errors} without an answer,"
                    f" {max(0, saturated.requests - saturated.prepared)} repeated;"
                    " goal ≥ 3,000/s"
                ),
            )
        ]
        note = (
            f"{rate:.0f}/s offered for {seconds:.0f}s, {steady.accepted} accepted "
            f"({_refusals(steady)}), {len(visible.latencies)} sampled readable,"
            f" {visible.missing} not within {VISIBLE_WITHIN_SECONDS:.0f}s; goal p99 < 1,000 ms"
        )
        for q in (0.5, 0.99):
            results.append(
                Result(
                    f"webhook 202 → GET /api/payments/:ref p{int(q * 100)}",
                    visible.quantile_ms(q),
                    "ms",
                    note=note,
                )
            )
        results.append(await _sustainable(settings, api, token, secret, seconds / 2, loans))
        return results

    return asyncio.run(run())
