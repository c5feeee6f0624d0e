"""Create the project's role, databases and extensions in the runtime's cluster (idempotent)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from crm.settings import Settings
from runtime.postgres import psql
from simulators.sources import SOURCES, Source


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ident(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def password_file(settings: Settings) -> Path:
    return settings.pg_password_file or settings.data_dir / "secrets" / "pg-password"


def ensure_password(settings: Settings) -> str:
    """Return the role's password, generating and storing one (mode 600) the first time."""
    existing = settings.database_password()
    if existing is not None:
        return existing
    path = password_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    password = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    return password


def _ensure_database(settings: Settings, name: str) -> None:
    exists = psql(
        settings, "postgres", f"SELECT 1 FROM pg_database WHERE datname = {_literal(name)}"
    )
    if not exists.strip():
        psql(
            settings, "postgres", f"CREATE DATABASE {_ident(name)} OWNER {_ident(settings.pg_user)}"
        )


def bootstrap(settings: Settings) -> None:
    """Make the role (password kept in sync), the CRM database and the simulated sources."""
    user = settings.pg_user
    password = ensure_password(settings)
    role_sql = f"""
SELECT format('CREATE ROLE %I', {_literal(user)})
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {_literal(user)}) \\gexec
ALTER ROLE {_ident(user)} LOGIN REPLICATION CREATEDB PASSWORD {_literal(password)};
"""
    psql(settings, "postgres", role_sql)
    _ensure_database(settings, settings.pg_database)
    psql(settings, settings.pg_database, "CREATE EXTENSION IF NOT EXISTS pg_trgm;")
    for source in SOURCES:
        _source_database(settings, source)


def _source_database(settings: Settings, source: Source) -> None:
    """Create one simulated source: its tables (owned by the CRM role) and its publication.

    The publication is made by the superuser: FOR ALL TABLES needs one, and the connector
    (not a superuser) then only has to use it. The connector's table.include.list picks what
    is captured. The connector's heartbeat writes debezium_heartbeat (published, not
    captured) so that its slot confirms WAL while the source itself is idle.
    """
    user = _ident(settings.pg_user)
    _ensure_database(settings, source.database)
    sql = f"""
GRANT CREATE, USAGE ON SCHEMA public TO {user};
SET ROLE {user};
CREATE TABLE IF NOT EXISTS public.debezium_signal (
    id varchar(42) PRIMARY KEY,
    type varchar(32) NOT NULL,
    data varchar(2048)
);
CREATE TABLE IF NOT EXISTS public.debezium_heartbeat (
    id integer PRIMARY KEY,
    beat_at timestamptz NOT NULL
);
{source.schema_sql}
RESET ROLE;
SELECT 'CREATE PUBLICATION {source.publication} FOR ALL TABLES'
 WHERE NOT EXISTS (SELECT FROM pg_publication WHERE pubname = '{source.publication}') \\gexec
"""
    psql(settings, source.database, sql)
