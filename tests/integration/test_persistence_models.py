"""Migrations against the real PostgreSQL: they match the models and are safe to re-run."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from crm.settings import SERVICES, ServiceName, Settings, get_settings
from persistence.migrate import (
    alembic_config,
    autogenerate_options,
    migrate,
    version_table_schema,
)
from persistence.models import SERVICE_SCHEMAS, Base

pytestmark = pytest.mark.integration

ALL_SCHEMAS = [schema for schemas in SERVICE_SCHEMAS.values() for schema in schemas]


@pytest.fixture(scope="module")
def fresh() -> Iterator[Settings]:
    """Settings pointing at a brand-new database of this module, dropped afterwards."""
    settings = get_settings()
    name = f"crm_test_{uuid.uuid4().hex[:12]}"
    admin_url = settings.database_url(driver="postgresql")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    scoped = settings.model_copy(update={"pg_database": name})
    migrate(scoped)
    yield scoped
    # FORCE ends this module's own sessions; a backend still exiting can make one attempt
    # fail, so give it a few.
    for attempt in range(5):
        try:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            break
        except psycopg.Error:
            if attempt == 4:
                raise
            time.sleep(1)


@pytest.fixture(scope="module")
def engine(fresh: Settings) -> Iterator[Engine]:
    engine = create_engine(fresh.database_url(driver="postgresql+psycopg"), poolclass=NullPool)
    yield engine
    engine.dispose()


def differences(engine: Engine, service: ServiceName) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=autogenerate_options(service))
        return list(compare_metadata(context, Base.metadata))


def current_revisions(engine: Engine) -> dict[str, set[str]]:
    revisions: dict[str, set[str]] = {}
    with engine.connect() as connection:
        for service in SERVICES:
            context = MigrationContext.configure(
                connection, opts={"version_table_schema": version_table_schema(service)}
            )
            revisions[service] = set(context.get_current_heads())
    return revisions


def catalog(engine: Engine) -> list[tuple[str, ...]]:
    """Every column, index and trigger in the services' schemas, for before/after checks."""
    query = text(
        "SELECT 'column', table_schema, table_name, column_name || ' ' || data_type "
        "FROM information_schema.columns WHERE table_schema = ANY(:schemas) "
        "UNION ALL SELECT 'index', schemaname, tablename, indexdef "
        "FROM pg_indexes WHERE schemaname = ANY(:schemas) "
        "UNION ALL SELECT 'trigger', event_object_schema, event_object_table, "
        "trigger_name || ' ' || event_manipulation "
        "FROM information_schema.triggers WHERE event_object_schema = ANY(:schemas) "
        "ORDER BY 1, 2, 3, 4"
    )
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query, {"schemas": ALL_SCHEMAS})]


@pytest.mark.parametrize("service", SERVICES)
def test_models_and_migrations_agree(engine: Engine, service: ServiceName) -> None:
    assert differences(engine, service) == []


def test_every_service_is_at_its_head_with_its_own_version_table(engine: Engine) -> None:
    heads = {
        service: set(ScriptDirectory.from_config(alembic_config(service)).get_heads())
        for service in SERVICES
    }
    assert current_revisions(engine) == heads
    assert all(len(h) == 1 for h in heads.values())
    with engine.connect() as connection:
        schemas = set(
            connection.execute(
                text("SELECT schema_name FROM information_schema.schemata")
            ).scalars()
        )
        trgm = connection.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))
        assert trgm.scalar() == 1
    assert set(ALL_SCHEMAS) <= schemas


def test_migrating_twice_changes_nothing(fresh: Settings, engine: Engine) -> None:
    before = (current_revisions(engine), catalog(engine))
    migrate(fresh)
    assert (current_revisions(engine), catalog(engine)) == before


def test_configured_database_agrees_after_migrate() -> None:
    settings = get_settings()
    migrate(settings)
    engine = create_engine(settings.database_url(driver="postgresql+psycopg"), poolclass=NullPool)
    try:
        for service in SERVICES:
            assert differences(engine, service) == [], service
    finally:
        engine.dispose()


def test_audit_log_rejects_update_delete_and_truncate(fresh: Settings) -> None:
    with psycopg.connect(fresh.database_url(driver="postgresql"), autocommit=True) as db:
        row = db.execute(
            "INSERT INTO audit.audit_log (occurred_at, actor, action, resource_type, outcome) "
            "VALUES (%s, 'agent1', 'VIEW', 'customer', 'OK') RETURNING id",
            (dt.datetime.now(dt.UTC),),
        ).fetchone()
        assert row is not None
        for statement in (
            "UPDATE audit.audit_log SET outcome = 'DENIED' WHERE id = %s",
            "DELETE FROM audit.audit_log WHERE id = %s",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                db.execute(statement, row)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            db.execute("TRUNCATE audit.audit_log")
        stored = db.execute("SELECT outcome FROM audit.audit_log WHERE id = %s", row).fetchone()
        assert stored == ("OK",)


def test_downgrade_to_base_and_back(fresh: Settings, engine: Engine) -> None:
    with engine.begin() as connection:
        for service in reversed(SERVICES):
            cfg = alembic_config(service)
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "base")
    assert all(not revs for revs in current_revisions(engine).values())
    migrate(fresh)
    for service in SERVICES:
        assert differences(engine, service) == []


def test_customer_names_are_filled_by_the_migration_then_kept_by_triggers(
    fresh: Settings, engine: Engine
) -> None:
    cfg = alembic_config("sync")
    columns = (
        "cif, customer_type, name, name_folded, status, source_system, source_record_id,"
        " source_ts, last_synced_at"
    )
    values = "'T24', :cif, now(), now()"
    insert = text(
        f"INSERT INTO sync_entities.customer ({columns})"
        f" VALUES (:cif, 'INDIVIDUAL', :name, :folded, 'ACTIVE', {values})"
    )
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "sync_0004")
        connection.execute(insert, {"cif": "MIG1", "name": "Đỗ Văn Cũ", "folded": "do van cu"})
        command.upgrade(cfg, "head")
        connection.execute(insert, {"cif": "MIG2", "name": "Lê Thị Mới", "folded": "le thi moi"})
        connection.execute(
            text("UPDATE sync_entities.customer SET name_folded = 'do van doi' WHERE cif = 'MIG1'")
        )
        names = connection.execute(
            text(
                "SELECT name_folded FROM sync_entities.customer_name"
                " WHERE sync_entities.name_search_tokens(name_folded) @@ 'do | moi'::tsquery"
                " ORDER BY 1"
            )
        ).scalars()
        assert list(names) == ["do van cu", "do van doi", "le thi moi"]
        connection.execute(text("DELETE FROM sync_entities.customer WHERE cif LIKE 'MIG%'"))
    assert differences(engine, "sync") == []
