"""The `crm` command: one entry point for operators and developers."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import datetime

from crm.settings import SERVICES, Settings, get_settings


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="crm", description="Collection CRM")
    sub = p.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start the embedded runtime and all services")
    up.add_argument("--only", nargs="*", help="start only these components")
    sub.add_parser("down", help="stop everything the project started")
    sub.add_parser("status", help="show each component and its health")
    worker = sub.add_parser("worker", help="run one worker of a service (foreground)")
    worker.add_argument("service", choices=SERVICES)
    sub.add_parser("intake", help="run the payment gateway's webhook intake (foreground)")
    sub.add_parser("topics", help="create the project's Kafka topics")
    sub.add_parser("migrate", help="apply database migrations of every service")
    conn = sub.add_parser("connectors", help="Debezium connectors in Kafka Connect")
    conn.add_argument("action", choices=["apply", "status"])
    conn.add_argument("names", nargs="*", help="connector config names (default: all)")
    keys = sub.add_parser("keys", help="access-token signing keys")
    keys.add_argument("action", choices=["rotate", "retire", "list"])
    keys.add_argument("kid", nargs="?", help="key id (retire)")
    replay = sub.add_parser(
        "replay", help="re-deliver topics from a time to a consumer group (stop it first)"
    )
    replay.add_argument("--group", required=True, help="consumer group, e.g. reporting-loader")
    replay.add_argument(
        "--from",
        dest="since",
        required=True,
        type=datetime.fromisoformat,
        help="ISO 8601 time with offset, e.g. 2026-11-29T08:00:00+00:00",
    )
    replay.add_argument("topics", nargs="+", help="topics, e.g. sync.customer sync.events")
    schemas = sub.add_parser("schemas", help="Avro schema catalog")
    schemas.add_argument("action", choices=["check", "register"])
    demo = sub.add_parser(
        "demo", help="synthetic source systems: generate a bank, simulate changes"
    )
    demo_sub = demo.add_subparsers(dest="demo_command", required=True)
    gen = demo_sub.add_parser("generate", help="load a synthetic population into T24, W4, LOS")
    gen.add_argument("--customers", type=int, required=True, help="how many customers")
    gen.add_argument("--seed", type=int, default=1, help="same seed, same rows (default 1)")
    gen.add_argument("--start", type=int, default=0, help="index of the first customer")
    gen.add_argument("--as-of", help="the bank day DPD is counted to, YYYY-MM-DD (default today)")
    gen.add_argument("--chunk", type=int, default=1000, help="customers per COPY and commit")
    gen.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing (exit 0) when the range is already loaded, as `make run` does",
    )
    churn = demo_sub.add_parser("churn", help="change the source databases at a steady rate")
    churn.add_argument("--rate", type=float, required=True, help="changes per second")
    churn.add_argument("--duration", type=float, help="seconds to run (default: until Ctrl-C)")
    churn.add_argument("--seed", type=int, help="random seed (default: a fresh one)")
    churn.add_argument("--start", type=int, help="change only customers from this index")
    churn.add_argument("--customers", type=int, help="... and this many of them")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    match args.command:
        case "up":
            from runtime.manager import up

            return up(settings, only=args.only)
        case "down":
            from runtime.manager import down

            return down(settings)
        case "status":
            from runtime.manager import status

            return status(settings)
        case "worker":
            from streams.worker import run_worker

            return run_worker(settings, args.service)
        case "intake":
            from streams.intake import run_intake

            return run_intake(settings)
        case "topics":
            from runtime.topics import create_topics

            create_topics(settings)
            return 0
        case "migrate":
            from persistence.migrate import migrate

            migrate(settings)
            return 0
        case "connectors":
            from runtime import connectors

            if args.action == "apply":
                return connectors.apply_connectors(settings, args.names)
            return connectors.connector_status(settings, args.names)
        case "keys":
            return _keys(settings, args.action, args.kid)
        case "replay":
            from streams.replay import replay

            return replay(settings, args.group, args.since, args.topics)
        case "schemas":
            from streams.avro import catalog_cli

            return catalog_cli(settings, args.action)
        case "demo":
            from simulators.cli import demo

            return demo(settings, args)
    return 2


def _keys(settings: Settings, action: str, kid: str | None) -> int:
    """Rotate: new tokens use a new key while the old one keeps verifying until retired."""
    from security import keys

    path = settings.jwt_keys_path
    if action == "rotate":
        print(f"current key is now {keys.rotate(path)}; restart auth workers to sign with it")
    elif action == "retire":
        if not kid:
            print("crm keys retire KID: which key?")
            return 2
        keys.retire(path, kid)
        print(f"retired {kid}: tokens it signed no longer verify anywhere")
    else:
        keyset = keys.KeySet.load_or_create(path)
        for jwk in keyset.public_jwks()["keys"]:
            marker = "*" if jwk["kid"] == keyset.current_kid else " "
            print(f"{marker} {jwk['kid']}")
    return 0
