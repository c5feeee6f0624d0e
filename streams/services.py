"""Assemble each service: its Faust app, tables, agents and web blueprints."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
from faust.web import Blueprint

from crm.settings import ServiceName, Settings
from domain.action_dictionary import Dictionaries
from security.access import AccessChecker
from security.jwks import JwksSource, LocalJwks, RemoteJwks
from security.keys import KeySet
from security.tokens import TokenVerifier
from streams.app import CrmApp, aiohttp_app, create_app
from streams.assignment_view import AssignmentView
from streams.commands import register_commands
from streams.hole_watch import CHECK_EVERY_S, HoleWatch
from streams.topics import AUTH_COMMANDS, SYNC_COMMANDS, WORKFLOW_COMMANDS
from web.middleware import error_middleware
from web.ops import ops
from web.sync_access import CUSTOMERS

log = logging.getLogger(__name__)


def _payments(app: CrmApp) -> list[Blueprint]:
    from agents import payments as payment_agents
    from domain.allocation import parse_order
    from tables.payments import loan_ledger
    from web.payment_receipt import payment_receipt_blueprint
    from web.payment_reversal import payment_reversal_blueprint
    from web.payment_suspense import payment_suspense_blueprint
    from web.payment_webhook import payment_webhook_blueprint
    from web.payments import payments_blueprint
    from web.reconciliation import reconciliation_blueprint

    ledger = loan_ledger(app)
    payment_agents.register(app, ledger, parse_order(app.settings.payment_allocation_order))
    return [
        payment_receipt_blueprint(app),
        payments_blueprint(app, ledger),
        payment_reversal_blueprint(),
        payment_suspense_blueprint(app.settings.payment_suspense_report_minutes),
        reconciliation_blueprint(),
        payment_webhook_blueprint(app),
    ]


def _sync(app: CrmApp) -> list[Blueprint]:
    from agents import sync as sync_agents
    from web.sync_api import sync_blueprints

    register_commands(app, SYNC_COMMANDS.name, handlers={})
    sync_agents.register(app)
    return sync_blueprints(app)


def _workflow(app: CrmApp) -> list[Blueprint]:
    from agents import workflow_users
    from agents.workflow_actions import record_actions, record_results
    from agents.workflow_case_states import change_case_states
    from agents.workflow_cases import CaseDesk, forward_loans
    from agents.workflow_performance import roll_up_performance
    from agents.workflow_promises import (
        PromiseDesk,
        forward_payments,
        promise_handlers,
        watch_due_dates,
    )
    from agents.workflow_regions import follow_addresses
    from agents.workflow_strategy import Placer, fill_queues
    from domain.case_dictionary import CaseDictionaries
    from persistence.action_dictionaries import load_dictionaries
    from persistence.actions_read import Preflight, PreflightKey, preflights
    from persistence.case_dictionaries import load_case_dictionaries
    from persistence.coalesce import Coalescer
    from persistence.decision_signal import DecisionWaiter
    from persistence.dictionary_cache import DictionaryCache
    from persistence.snapshot_cache import SnapshotCache
    from streams.case_states import CHANGE_CASE_STATUS_COMMAND
    from streams.workflow_actions import RECORD_ACTION_COMMAND, RECORD_RESULT_COMMAND
    from streams.workflow_cases import LOAN_CHANGED_COMMAND, STRATEGY_CHANGED_COMMAND
    from tables.workflow import (
        customer_cases,
        customer_contacts,
        customer_promises,
        past_due_loan_owners,
    )
    from web.action_dictionaries import dictionaries_blueprint
    from web.action_results import action_results_blueprint
    from web.actions import actions_blueprint
    from web.agents_api import agents_blueprint
    from web.assignments import assignments_blueprint
    from web.case_dictionaries import case_dictionaries_blueprint
    from web.case_states import case_states_blueprint
    from web.cases import cases_blueprint
    from web.dashboard import dashboard_blueprints
    from web.performance import performance_blueprint
    from web.promises import promises_blueprint
    from web.queues import queues_blueprint
    from web.strategies import strategies_blueprint

    async def load() -> Dictionaries:
        return await load_dictionaries(await app.db_pool())

    dictionaries = DictionaryCache(load, app.settings.dictionary_cache_seconds)

    async def load_case_states() -> CaseDictionaries:
        return await load_case_dictionaries(await app.db_pool())

    case_states = SnapshotCache(load_case_states, app.settings.dictionary_cache_seconds)
    waiter = DecisionWaiter(lambda: asyncpg.connect(app.settings.asyncpg_dsn()))

    async def load_preflights(keys: list[PreflightKey]) -> list[Preflight]:
        return await preflights(await app.db_pool(), keys)

    contacts, books = customer_contacts(app), customer_promises(app)
    cases, owners = customer_cases(app), past_due_loan_owners(app)
    placer = Placer(app)
    case_desk = CaseDesk(app, cases, placer)
    desk = PromiseDesk(app, books, case_desk)
    register_commands(
        app,
        WORKFLOW_COMMANDS.name,
        handlers={
            RECORD_ACTION_COMMAND: record_actions(app, contacts, dictionaries, desk, waiter),
            **promise_handlers(desk),
            LOAN_CHANGED_COMMAND: case_desk.handler(),
            STRATEGY_CHANGED_COMMAND: case_desk.strategy_changed(),
            RECORD_RESULT_COMMAND: record_results(app, desk),
            CHANGE_CASE_STATUS_COMMAND: change_case_states(app, cases, case_states),
        },
    )
    forward_payments(app)
    forward_loans(app, owners)
    watch_due_dates(app, books, desk)
    fill_queues(app, placer)
    follow_addresses(app)
    roll_up_performance(app)
    workflow_users.register(app)
    return [
        agents_blueprint(),
        # Before the actions: /api/actions/dictionaries is not an action id.
        dictionaries_blueprint(),
        # Before the actions: /api/actions/{id}/result is not /api/actions/{id}.
        action_results_blueprint(dictionaries, waiter),
        actions_blueprint(dictionaries, waiter, Coalescer(load_preflights)),
        assignments_blueprint(),
        promises_blueprint(waiter),
        queues_blueprint(),
        case_dictionaries_blueprint(),
        case_states_blueprint(case_states, waiter),
        cases_blueprint(),
        *dashboard_blueprints(app),
        performance_blueprint(),
        strategies_blueprint(),
    ]


def _auth(app: CrmApp) -> list[Blueprint]:
    from agents import auth as auth_agents
    from web.audit import audit_blueprint
    from web.auth_api import auth_blueprint
    from web.users import users_blueprint

    register_commands(app, AUTH_COMMANDS.name, handlers={})
    auth_agents.register(app)

    async def directory_sync() -> None:
        from security.auth_context import auth_context
        from security.directory_sync import sync_directory

        try:
            await sync_directory(await auth_context(app), app.settings, datetime.now(UTC))
        except Exception:  # AD or PostgreSQL away: log and try at the next tick
            log.exception("directory sync failed")

    # One worker (the group leader) syncs; the others would only repeat the same writes.
    app.timer(app.settings.directory_sync_minutes * 60, on_leader=True)(directory_sync)
    return [auth_blueprint(), users_blueprint(), audit_blueprint()]


# Services whose answers carry customers' data, filtered by who works whom.
SERVES_CUSTOMERS: frozenset[ServiceName] = frozenset({"sync", "payments", "workflow"})

_ASSEMBLERS: dict[ServiceName, Callable[[CrmApp], list[Blueprint]]] = {
    "sync": _sync,
    "payments": _payments,
    "workflow": _workflow,
    "auth": _auth,
}


def _token_checks(app: CrmApp) -> None:
    """Local token verification: the auth service's own keys, or its JWKS for the others."""
    s = app.settings
    if app.service_name == "auth":
        keys: JwksSource = LocalJwks(KeySet.load_or_create(s.jwt_keys_path))
        remote = None
    else:
        remote = RemoteJwks(s.jwks_location())
        keys = remote
    verifier = TokenVerifier(keys, s.jwt_issuer, s.jwt_audience)
    app.access = AccessChecker(verifier, app.revocations, remote)
    if remote is None:
        return

    async def keep_keys_fresh() -> None:
        # Until the first fetch succeeds every token would fail: retry quickly, then on TTL.
        while True:
            try:
                await remote.refresh(datetime.now(UTC))
            except Exception as exc:  # the auth service may start after us
                log.info("JWKS not available yet: %s", exc)
            await asyncio.sleep(2 if remote.stale(datetime.now(UTC)) else 60)

    app.task(keep_keys_fresh)


def build_app(settings: Settings, service: ServiceName) -> CrmApp:
    app = create_app(settings, service)
    _token_checks(app)
    if service in SERVES_CUSTOMERS:
        assignments = AssignmentView(settings)
        app.row_rules.register(CUSTOMERS, assignments.rule)

        async def follow_assignments() -> None:
            await assignments.follow()

        app.task(follow_assignments)
    blueprints = [*_ASSEMBLERS[service](app), ops]
    app.blueprints = blueprints
    aiohttp_app(app).middlewares.append(error_middleware(service))
    for blueprint in blueprints:
        blueprint.register(app, url_prefix="")

    async def follow_revocations() -> None:
        await app.revocations.follow()

    app.task(follow_revocations)

    async def warm_up() -> None:
        # The first request would otherwise open the pool and learn the topics' leaders:
        # about half a second, for it and everything queued behind it. Best effort: a
        # component that is down now is connected to on first use, as before.
        try:
            await app.db_pool()
            await asyncio.to_thread(app.publisher.connect)
        except Exception as exc:
            log.warning("warm-up incomplete, connecting on first use instead: %r", exc)

    app.task(warm_up)

    watch = HoleWatch(settings)

    async def watch_holes() -> None:
        await watch.check(app)

    app.timer(CHECK_EVERY_S)(watch_holes)

    async def _close(sender: Any, *args: Any, signal: Any, **kwargs: Any) -> None:
        await app.close_pool()
        app.close_publisher()

    # mode's signal typing wants a positional-only sender; the runtime contract is the same.
    app.on_before_shutdown.connect(_close)  # type: ignore[arg-type]

    return app
