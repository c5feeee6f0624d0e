"""Connections to the simulated source databases, from the project's one settings object."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import psycopg

from crm.settings import Settings
from simulators.sources import SOURCES, Source


def source_dsn(settings: Settings, source: Source) -> str:
    """The CRM database's URL with the source's database name instead."""
    return settings.database_url("postgresql").rsplit("/", 1)[0] + f"/{source.database}"


@contextmanager
def connect_sources(settings: Settings) -> Iterator[dict[str, psycopg.Connection]]:
    """One connection per source database, keyed by source name, closed on exit."""
    with ExitStack() as stack:
        yield {
            s.name: stack.enter_context(psycopg.connect(source_dsn(settings, s))) for s in SOURCES
        }
