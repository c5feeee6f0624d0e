"""Apply each service's Alembic migrations: its own history, its own version table.

A new revision of one service (reviewed by hand before commit):
    command.revision(alembic_config("payments"), "add x", autogenerate=True, rev_id="payments_0002")
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from crm.settings import SERVICES, ServiceName, Settings
from persistence.models.base import SERVICE_SCHEMAS

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(service: ServiceName) -> Config:
    """Build the Alembic config of one service in code: no ini file, no credentials."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Only this service's directory: its revisions form one linear history of their own.
    cfg.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions" / service))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["service"] = service
    return cfg


def version_table_schema(service: ServiceName) -> str:
    """Return the schema holding the service's alembic_version table (its first schema)."""
    return SERVICE_SCHEMAS[service][0]


def autogenerate_options(service: ServiceName) -> dict[str, Any]:
    """Return Alembic options that limit comparison to the service's own schemas."""
    schemas = SERVICE_SCHEMAS[service]

    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        if type_ == "schema":
            return name in schemas
        return not (type_ == "table" and name == "alembic_version")

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool, other: Any) -> bool:
        # include_name filters only what is reflected; models of other services pass here.
        return type_ != "table" or obj.schema in schemas

    return {
        "include_schemas": True,
        "include_name": include_name,
        "include_object": include_object,
        "compare_type": True,
        "compare_server_default": True,
    }


def migrate(settings: Settings, services: Iterable[ServiceName] | None = None) -> None:
    """Upgrade every (or the given) service's schemas to head, each in one transaction."""
    engine = create_engine(settings.database_url(driver="postgresql+psycopg"), poolclass=NullPool)
    try:
        for service in services or SERVICES:
            # A service migrates all-or-nothing; PostgreSQL DDL is transactional.
            with engine.begin() as connection:
                cfg = alembic_config(service)
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, "heads")
            log.info("migrated service %s", service)
    finally:
        engine.dispose()
