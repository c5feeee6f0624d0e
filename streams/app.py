"""One Faust app per service, configured from the settings object."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import asyncpg
import faust
import faust.web
import mode
from aiohttp import web as aioweb
from faust.types import AppT
from faust.web.drivers.aiohttp import Web as AiohttpWeb
from sqlalchemy import FromClause, Table

from crm.settings import ServiceName, Settings
from persistence.db import create_pool
from persistence.sink import PostgresSink
from security.row_rules import RowRules
from streams import faust_delivery, faust_fixes, fetch_batching
from streams.publish import EventPublisher
from streams.revocations import RevocationView
from streams.topics import TopicSpec

# Connections per sink: a batch writes through one; a second serves a writer that overlaps.
SINK_POOL_SIZE = 2

if TYPE_CHECKING:
    from security.access import AccessChecker
    from security.auth_context import AuthContext


class CrmApp(faust.App):
    """A Faust app that also carries the service's settings and shared resources."""

    def __init__(self, settings: Settings, service: ServiceName, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.settings = settings
        self.service_name = service
        self._pool: asyncpg.Pool | None = None
        # Which sessions are revoked, followed from auth.revocations by every worker.
        self.revocations = RevocationView(settings)
        self._publisher: EventPublisher | None = None
        # Token checks (set by the service assembly) and, in the auth service, its context.
        self.access: AccessChecker | None = None
        self.auth: AuthContext | None = None
        self.auth_lock = asyncio.Lock()
        # Which customers a caller may see, per resource (rules registered by their owners).
        self.row_rules = RowRules()
        # Every blueprint the service serves, for its OpenAPI document.
        self.blueprints: list[faust.web.Blueprint] = []
        self._pool_lock = asyncio.Lock()
        self._sink_pools: dict[str, asyncpg.Pool] = {}

    def raw_topic(self, *specs: TopicSpec) -> faust.TopicT:
        """The topics as an agent reads them: bytes in, decoded by the agent (Avro)."""
        return self.topic(
            *(self.settings.topic(spec.name) for spec in specs),
            key_type=bytes,
            value_type=bytes,
            partitions=self.settings.topic_partitions,
        )

    async def db_pool(self) -> asyncpg.Pool:
        """The service's PostgreSQL pool, created on first use (web views and sinks share it)."""
        async with self._pool_lock:
            if self._pool is None:
                self._pool = await create_pool(
                    self.settings, max_size=8, application_name=f"crm-{self.service_name}"
                )
            return self._pool

    async def sink_pool(self, table: str) -> asyncpg.Pool:
        """Connections of one sink's own, for the sink writing `table` (sink.PostgresSink).

        A sink stages each batch in a temporary table emptied at commit (ON COMMIT DELETE
        ROWS), and PostgreSQL empties every such table of a session at a commit that used
        one, rebuilding each one's TOAST index: a file truncated and extended again, per
        table, per commit. On a pool shared by a dozen sinks every connection came to hold a
        dozen staging tables, and during a load about a third of sync's active sessions in
        pg_stat_activity were in those truncations (IO DataFileTruncate at COMMIT). A sink's
        own connections hold its one table.
        """
        async with self._pool_lock:
            pool = self._sink_pools.get(table)
            if pool is None:
                pool = await create_pool(
                    self.settings,
                    min_size=0,
                    max_size=SINK_POOL_SIZE,
                    application_name=f"crm-{self.service_name}",
                )
                self._sink_pools[table] = pool
            return pool

    async def sink(
        self, table: FromClause, key_columns: Sequence[str], **options: Any
    ) -> PostgresSink:
        """A PostgresSink for `table` on connections of its own (see sink_pool)."""
        if not isinstance(table, Table):
            raise TypeError(f"{table!r} is not a Table")
        return PostgresSink(await self.sink_pool(table.fullname), table, key_columns, **options)

    @property
    def publisher(self) -> EventPublisher:
        """The service's own producer for Avro events (acks=all, each call waits for its own)."""
        if self._publisher is None:
            self._publisher = EventPublisher(self.settings, self.service_name)
        return self._publisher

    async def close_pool(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
        pools, self._sink_pools = list(self._sink_pools.values()), {}
        for pool in pools:
            await pool.close()

    def close_publisher(self) -> None:
        """Deliver what is queued and stop the delivery thread."""
        if self._publisher is not None:
            self._publisher.close()
            self._publisher = None


# How long a web view waits for acks=all before answering 503.
PUBLISH_TIMEOUT_SECONDS = 10.0
# How long the Faust producer keeps trying to deliver (changelogs, web publishes).
PRODUCER_TIMEOUT_SECONDS = 300.0


def crm_app(app: AppT) -> CrmApp:
    """Views and agents see `AppT`; every app of this project is a CrmApp."""
    if not isinstance(app, CrmApp):
        raise TypeError(f"{app!r} is not a CrmApp")
    return app


def aiohttp_app(app: AppT) -> aioweb.Application:
    """The aiohttp application under Faust's web driver (for middlewares and tests)."""
    web = app.web
    if not isinstance(web, AiohttpWeb):
        raise TypeError("the aiohttp web driver is required")
    return web.web_app


def create_app(settings: Settings, service: ServiceName) -> CrmApp:
    """Build the Faust app of one service: own id, consumer group and changelog topics."""
    faust_fixes.apply()
    fetch_batching.apply()
    faust_delivery.apply()
    port = settings.web_port(service)
    app_id = settings.topic(f"crm-{service}")
    # Per app id and worker: two workers on one host must not share RocksDB files.
    datadir = settings.data_dir / "faust" / f"{app_id}-{settings.worker_index}"
    datadir.mkdir(parents=True, exist_ok=True)
    app = CrmApp(
        settings,
        service,
        id=app_id,
        # Faust would otherwise let variables like PRODUCER_ACKS or APP_WEB_TABLES_ENABLED
        # override what is set here; the settings object is the only source.
        env={},
        # An agent that raises stops the worker instead of being restarted in place, so a
        # failure is visible (process exit) and its uncommitted batch is redelivered.
        agent_supervisor=mode.CrashingSupervisor,
        # Table changelog sends wait out a broker restart instead of crashing the worker
        # (found by the broker-restart test). A web view still answers 503 after
        # PUBLISH_TIMEOUT_SECONDS; if its message lands later anyway, the retry with the same
        # reference number is a duplicate, so nothing is applied twice.
        producer_request_timeout=PRODUCER_TIMEOUT_SECONDS,
        broker=settings.kafka_broker_url,
        store=settings.store,
        datadir=str(datadir),
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication,
        # Only routed/changelog topics are declared by Faust; ours come from `crm topics`.
        topic_allow_declare=True,
        topic_disable_leader=True,
        key_serializer="raw",
        value_serializer="raw",
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        # A crashed member is noticed in seconds, not the default minute, so its partitions
        # move to a live worker quickly.
        broker_session_timeout=10.0,
        broker_heartbeat_interval=2.0,
        table_standby_replicas=0,
        # Shutdown commits only what was acked; it must not wait on a batch that cannot flush.
        stream_wait_empty=False,
        web_enabled=True,
        web_bind=settings.web_host,
        web_host=settings.web_host,
        web_port=port,
        canonical_url=f"http://{settings.advertised_host_name()}:{port}",
        # Faust's own table dumps and router listings would bypass authentication.
        web_router_enabled=False,
        web_tables_enabled=False,
        web_graph_enabled=False,
        web_stats_enabled=False,
        logging_config=None,
    )
    return app
