"""`crm schemas check|register`: keep schemas/avro/catalog.json honest and compatible."""

from __future__ import annotations

from pathlib import Path

from crm.settings import Settings
from streams.avro_catalog import (
    SCHEMA_ROOT,
    Printer,
    check_catalog,
    local_schemas,
    register_changes,
    report,
)
from streams.avro_registry import publish


def catalog_cli(
    settings: Settings, action: str, root: Path = SCHEMA_ROOT, echo: Printer = print
) -> int:
    """Run `check` or `register`; return the process exit code."""
    match action:
        case "check":
            return _check(root, echo)
        case "register":
            return _register(settings, root, echo)
        case _:
            echo(f"unknown action {action!r}; expected check or register")
            return 2


def _check(root: Path, echo: Printer) -> int:
    failed = False
    for name, outcome, problems in check_catalog(root):
        report(name, outcome, problems, echo)
        failed = failed or bool(problems)
    return 1 if failed else 0


def _register(settings: Settings, root: Path, echo: Printer) -> int:
    refused = False
    for name, outcome, problems in register_changes(root):
        report(name, outcome, problems, echo)
        refused = refused or bool(problems)
    if refused:
        echo("incompatible schemas were not registered; add defaults or make a new schema")
        return 1
    if settings.schema_registry_url:
        registered = publish(settings.schema_registry_url, list(local_schemas(root).values()))
        for name, schema_id in sorted(registered.items()):
            echo(f"ok   {name}: registry id {schema_id} at {settings.schema_registry_url}")
    return 0
