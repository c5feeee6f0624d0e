"""Assemble each service: its Faust app, tables, agents and web blueprints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from faust.web import Blueprint

from crm.settings import ServiceName, Settings
from streams.app import CrmApp, aiohttp_app, create_app
from streams.commands import register_commands
from streams.topics import AUTH_COMMANDS, SYNC_COMMANDS, WORKFLOW_COMMANDS, TopicSpec
from web.middleware import error_middleware
from web.ops import ops


def _payments(app: CrmApp) -> list[Blueprint]:
    from agents import payments as payment_agents
    from tables.payments import loan_ledger
    from web.payments import payments_blueprint

    ledger = loan_ledger(app)
    payment_agents.register(app, ledger)
    return [payments_blueprint(app, ledger)]


def _commands_only(topic: TopicSpec) -> Callable[[CrmApp], list[Blueprint]]:
    # The sync, workflow and auth services receive their agents and views with their issues;
    # until then they consume their command topic (no command type is handled yet, so any
    # command is dead-lettered with the reason) and serve health, metrics and OpenAPI.
    def assemble(app: CrmApp) -> list[Blueprint]:
        register_commands(app, topic.name, handlers={})
        return []

    return assemble


_ASSEMBLERS: dict[ServiceName, Callable[[CrmApp], list[Blueprint]]] = {
    "sync": _commands_only(SYNC_COMMANDS),
    "payments": _payments,
    "workflow": _commands_only(WORKFLOW_COMMANDS),
    "auth": _commands_only(AUTH_COMMANDS),
}


def build_app(settings: Settings, service: ServiceName) -> CrmApp:
    app = create_app(settings, service)
    blueprints = [*_ASSEMBLERS[service](app), ops]
    app.blueprints = blueprints
    aiohttp_app(app).middlewares.append(error_middleware(service))
    for blueprint in blueprints:
        blueprint.register(app, url_prefix="")

    async def _close(sender: Any, *args: Any, signal: Any, **kwargs: Any) -> None:
        await app.close_pool()

    # mode's signal typing wants a positional-only sender; the runtime contract is the same.
    app.on_before_shutdown.connect(_close)  # type: ignore[arg-type]

    return app
