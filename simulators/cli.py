"""`crm demo generate` and `crm demo churn`: check the arguments, run, summarize."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import date

from crm.settings import Settings
from simulators import keys

OK, BAD_ARGUMENTS = 0, 2


def _fail(message: str) -> int:
    print(f"crm demo: {message}", file=sys.stderr)
    return BAD_ARGUMENTS


def _summary(title: str, counts: Counter[str]) -> None:
    print(title)
    for name, count in sorted(counts.items()):
        print(f"  {name:<28} {count:>12,}")


def _generate(settings: Settings, args: argparse.Namespace) -> int:
    from simulators.generator import bank_today
    from simulators.loader import KeysTaken, populate

    if args.customers < 1 or args.start < 0 or args.chunk < 1:
        return _fail("--customers and --chunk must be at least 1, --start at least 0")
    if args.start + args.customers > keys.CHURN_FIRST_INDEX:
        return _fail(f"--start + --customers must stay below {keys.CHURN_FIRST_INDEX:_}")
    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else bank_today(settings.bank_timezone)
    except ValueError:
        return _fail(f"--as-of {args.as_of!r} is not a YYYY-MM-DD date")
    try:
        written = populate(
            settings, args.customers, args.seed, start=args.start, as_of=as_of, chunk=args.chunk
        )
    except KeysTaken as exc:
        if args.if_empty:
            print(f"demo data already loaded ({exc})")
            return OK
        return _fail(str(exc))
    _summary(f"loaded customers {args.start}..{args.start + args.customers - 1}:", written)
    return OK


def _churn(settings: Settings, args: argparse.Namespace) -> int:
    from simulators.churn import churn

    if args.rate <= 0 or (args.duration is not None and args.duration <= 0):
        return _fail("--rate and --duration must be above 0")
    scope = keys.EVERYTHING
    if args.start is not None or args.customers is not None:
        start = args.start or 0
        count = args.customers if args.customers is not None else keys.MAX_INDEX + 1 - start
        try:
            scope = keys.IndexRange(start, start + count)
        except ValueError as exc:
            return _fail(str(exc))
    done = churn(settings, args.rate, duration=args.duration, seed=args.seed, scope=scope)
    _summary("changes made:", done)
    return OK


def demo(settings: Settings, args: argparse.Namespace) -> int:
    """Run one `crm demo` subcommand; 0 when done, 2 for arguments that cannot work."""
    match args.demo_command:
        case "generate":
            return _generate(settings, args)
        case "churn":
            return _churn(settings, args)
    return _fail(f"unknown demo command {args.demo_command!r}")
