"""Run the baseline benchmarks (`make bench`), print one table and save it as JSON."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Callable, Sequence

from bench import (
    auth,
    avro,
    faust_agent,
    kafka,
    limits,
    payments_intake,
    postgres,
    reconciliation,
    sync,
    workflow,
)
from bench.report import Result, render_table, write_json
from crm.settings import Settings, get_settings

STEPS = (
    "limits",
    "postgres",
    "pgbench",
    "kafka",
    "avro",
    "faust",
    "auth",
    "sync",
    "intake",
    "reconciliation",
    "workflow",
)
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--rows", type=int, default=100_000, help="PostgreSQL rows per COPY step")
    p.add_argument("--batch", type=int, default=10_000, help="rows per COPY/upsert batch")
    p.add_argument("--messages", type=int, default=200_000, help="Kafka messages")
    p.add_argument("--faust-messages", type=int, default=5_000, help="messages per Faust run")
    p.add_argument("--avro-records", type=int, default=50_000, help="fastavro records")
    p.add_argument("--logins", type=int, default=50, help="sequential AD logins")
    p.add_argument("--token-checks", type=int, default=5_000, help="token verifications")
    p.add_argument("--pgbench-seconds", type=int, default=10)
    p.add_argument("--pgbench-clients", type=int, default=4)
    p.add_argument("--sync-customers", type=int, default=20_000, help="customers loaded")
    p.add_argument("--churn-rate", type=float, default=1_000, help="source changes/s asked")
    p.add_argument("--churn-seconds", type=float, default=30)
    p.add_argument("--reconcile-payments", type=int, default=100_000, help="payments in a day")
    p.add_argument("--intake-seconds", type=float, default=20, help="webhook load duration")
    p.add_argument("--intake-clients", type=int, default=64, help="concurrent gateway clients")
    p.add_argument("--intake-rate", type=float, default=1_000, help="steady webhook calls/s")
    p.add_argument("--workflow-cases", type=int, default=100_000, help="open cases seeded")
    p.add_argument("--workflow-agents", type=int, default=2_000, help="agents seeded")
    p.add_argument("--workflow-seconds", type=float, default=20, help="action load duration")
    # 384 of the 2,000 agents waiting for an answer at once. At 192 the workflow worker ran
    # at 74-78% of a core and the machine at 60-64%: the closed loop, each connection waiting
    # ~0.22 s per action (Kafka hops), not the system, set the rate (docs/workflow.md).
    p.add_argument(
        "--workflow-clients", type=int, default=384, help="wrk connections recording actions"
    )
    p.add_argument("--only", nargs="+", choices=STEPS, default=list(STEPS))
    return p


def _local_only(settings: Settings) -> None:
    """Refuse to load anything but this machine's own Kafka and PostgreSQL."""
    hosts = {settings.pg_host} | {b.rsplit(":", 1)[0] for b in settings.kafka_bootstrap.split(",")}
    if not hosts <= LOCAL_HOSTS:
        raise SystemExit(f"bench runs on 127.0.0.1 only; settings point at {sorted(hosts)}")


def _demo_password(settings: Settings, username: str) -> str:
    from runtime.samba_directory import demo_directory

    _, users = demo_directory(settings)
    password: str = next(u["password"] for u in users if u["username"] == username)
    return password


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = get_settings()
    _local_only(settings)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    probe_dir = settings.data_dir / "bench" / "probe"
    results: list[Result] = []
    errors: dict[str, str] = {}
    found: dict[str, float] = {}

    def limit(name: str) -> float | None:
        return found.get(name)

    def upsert_rate() -> float | None:
        """Raw COPY + upsert rows/s measured earlier in this run: the sync load's limit."""
        return next(
            (r.value for r in results if r.name == "PostgreSQL COPY staging + upsert (insert)"),
            None,
        )

    def pgbench_tps() -> float | None:
        """pgbench's single-row insert rate measured earlier in this run: intake's limit."""
        return next((r.value for r in results if r.name.startswith("pgbench")), None)

    steps: dict[str, Callable[[], list[Result]]] = {
        "limits": lambda: [
            limits.disk_sequential_write(probe_dir),
            limits.disk_fsync_rate(probe_dir),
            limits.loopback_tcp(),
        ],
        "postgres": lambda: [
            asyncio.run(postgres.copy_rows(settings, args.rows, args.batch, limit("disk"))),
            *asyncio.run(postgres.staging_upsert(settings, args.rows, args.batch, limit("disk"))),
        ],
        "pgbench": lambda: [
            asyncio.run(
                postgres.pgbench_inserts(
                    settings, args.pgbench_clients, args.pgbench_seconds, limit("fsync")
                )
            )
        ],
        "kafka": lambda: kafka.produce_and_consume(
            settings, args.messages, limit("disk"), limit("loopback")
        ),
        "avro": lambda: avro.encode_decode(args.avro_records),
        "faust": lambda: faust_agent.agent_rates(settings, args.faust_messages),
        "auth": lambda: auth.auth_costs(
            settings, "agent1", _demo_password(settings, "agent1"), args.logins, args.token_checks
        ),
        "sync": lambda: sync.sync_costs(
            settings,
            args.sync_customers,
            upsert_rate(),
            args.churn_rate,
            args.churn_seconds,
            _demo_password(settings, "admin"),
        ),
        "intake": lambda: payments_intake.intake_costs(
            settings,
            _demo_password(settings, "admin"),
            pgbench_tps(),
            args.intake_seconds,
            args.intake_clients,
            args.intake_rate,
        ),
        "reconciliation": lambda: reconciliation.reconciliation_costs(
            settings, args.reconcile_payments
        ),
        "workflow": lambda: workflow.workflow_costs(
            settings,
            _demo_password(settings, "admin"),
            _demo_password(settings, "agent1"),
            pgbench_tps(),
            args.workflow_cases,
            args.workflow_agents,
            args.workflow_seconds,
            args.workflow_clients,
        ),
    }
    started = time.perf_counter()
    for name in STEPS:
        if name not in args.only:
            continue
        print(f"[{time.perf_counter() - started:6.1f}s] {name}", file=sys.stderr)
        try:
            measured = steps[name]()
        except Exception as exc:
            # One missing component must not hide the numbers of the others.
            errors[name] = f"{type(exc).__name__}: {exc}"
            print(f"  {name} failed: {errors[name]}", file=sys.stderr)
            continue
        results.extend(measured)
        if name == "limits":
            found = dict(
                zip(("disk", "fsync", "loopback"), (r.value for r in measured), strict=True)
            )

    print(render_table(results))
    for name, error in errors.items():
        print(f"FAILED {name}: {error}")
    params = {k: v for k, v in vars(args).items()}
    path = write_json(results, errors, params, settings.data_dir / "bench")
    print(f"saved {path} ({time.perf_counter() - started:.0f}s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
