"""Alembic environment shared by every service; the service comes from the config."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.pool import NullPool

from crm.settings import SERVICES, ServiceName, get_settings
from persistence.migrate import autogenerate_options, version_table_schema
from persistence.models import Base

config = context.config


def _service() -> ServiceName:
    """Return the service whose migrations this run applies."""
    name = config.attributes.get("service") or config.get_main_option("service")
    for service in SERVICES:
        if service == name:
            return service
    raise RuntimeError(f"unknown service {name!r}; use persistence.migrate.alembic_config()")


service = _service()


def run(connection: Connection) -> None:
    """Run this service's migrations on a connection inside its transaction."""
    # Serialize concurrent `crm migrate` runs of one service (two workers starting at once).
    lock = text("SELECT pg_advisory_xact_lock(hashtext(:key))")
    connection.execute(lock, {"key": f"alembic:{service}"})
    # Fail fast instead of queueing behind a long transaction and blocking every reader.
    connection.execute(text("SET LOCAL lock_timeout = '5s'"))
    connection.execute(text("SET LOCAL statement_timeout = '60s'"))
    version_schema = version_table_schema(service)
    # Alembic creates its version table before running the first migration.
    connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{version_schema}"'))
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table_schema=version_schema,
        **autogenerate_options(service),
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    """Use the caller's connection, or open one from settings for the alembic CLI."""
    if context.is_offline_mode():
        raise RuntimeError("offline (--sql) migrations are not supported; run crm migrate")
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    url = get_settings().database_url(driver="postgresql+psycopg")
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as own:
            run(own)
    finally:
        engine.dispose()


main()
