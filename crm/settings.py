"""The one settings object: read once from CRM_* environment variables and validated."""

from __future__ import annotations

import datetime as dt
import socket
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from domain.contact_rules import ContactPolicy

PROJECT_ROOT = Path(__file__).resolve().parent.parent

ServiceName = Literal["sync", "payments", "workflow", "auth"]
# Auth first: the others fetch its public keys when they start.
SERVICES: tuple[ServiceName, ...] = ("auth", "sync", "payments", "workflow")
# The payments service's webhook intake, a process of its own (`crm intake`).
PAYMENTS_INTAKE = "payments-intake"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Every knob of the system; nothing else in the code reads os.environ."""

    model_config = SettingsConfigDict(env_prefix="CRM_", extra="ignore", frozen=True)

    # Fail closed: a deployment that forgets to say what it is gets production rules (no
    # development token). `make` targets and the tests ask for development explicitly.
    environment: Environment = Environment.PRODUCTION
    log_level: str = "INFO"
    # The services whose processes run on uvloop (streams/event_loop.py); the others on the
    # standard library's loop. Comma-separated in the environment, e.g. "workflow,auth".
    uvloop_services: Annotated[frozenset[str], NoDecode] = frozenset({"workflow", PAYMENTS_INTAKE})
    # Nice values (-20 to 19) of the components the embedded runtime starts, by the names
    # `crm status` shows (runtime/priority.py); JSON in the environment. The webhook intake
    # answers a gateway that waits for its 202; the workers behind it take the notifications
    # from Kafka and can catch up later.
    # Saturated for 20 s on the two-core machines, the intake at -5 accepted 3,653-3,674/s
    # (3 runs), at the default 2,787-3,386/s (11 runs; docs/payments.md).
    service_nice: dict[str, Annotated[int, Field(ge=-20, le=19)]] = {PAYMENTS_INTAKE: -5}
    # Where the embedded runtime keeps data, logs, PID files and downloaded jars.
    data_dir: Path = PROJECT_ROOT / "var"
    bank_timezone: str = "Asia/Ho_Chi_Minh"
    # Printed at the head of receipts; a demo name until a deployment sets the bank's own.
    bank_name: str = "Ngân hàng TMCP Phương Nam (demo)"

    # Kafka
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_controller_port: int = 9093
    kafka_version: str = "4.1.1"
    topic_partitions: int = Field(default=4, ge=1)
    topic_replication: int = Field(default=1, ge=1)
    # Prefix of every topic name; tests use a unique one so runs never share topics.
    topic_prefix: str = ""
    schema_registry_url: str | None = None

    # Kafka Connect (REST); the embedded runtime runs it on loopback.
    connect_host: str = "127.0.0.1"
    connect_port: int = 8083

    # PostgreSQL
    pg_host: str = "127.0.0.1"
    pg_port: int = 5433
    pg_database: str = "crm"
    pg_user: str = "crm"
    pg_password: SecretStr | None = None
    # The embedded runtime generates this file; a deployment may point it at a mounted secret.
    pg_password_file: Path | None = None

    # Web: each service's own port, and nginx in front of them all.
    web_host: str = "127.0.0.1"
    # The address other workers use to reach this one (table_route); default: web_host, or
    # the host name when listening on every interface (containers).
    advertised_host: str | None = None
    sync_web_port: int = 6061
    payments_web_port: int = 6062
    workflow_web_port: int = 6063
    auth_web_port: int = 6064
    # The payment gateway's webhook in a process of its own (streams/intake.py).
    payments_intake_web_port: int = 6065
    # How long the intake's producer waits to fill a batch before sending (librdkafka's
    # linger.ms; the other services' publishers wait 1 ms, streams/publish.py). Each
    # notification's 202 waits for its own acknowledgement, so this is added to every 202,
    # and in return the broker gets one request for many notifications. Saturated intake,
    # wrk through nginx, runs minutes apart on 1 Dec 2026: 2,114-2,503/s at 1 ms (standard
    # loop), 2,519-2,723/s at 5 ms (standard loop), 2,241-2,969/s at 5 ms (uvloop), and
    # 2,207-2,262/s at 20 ms (64 connections each waiting 20 ms bound the rate).
    payments_intake_linger_ms: int = Field(default=5, ge=0, le=1000)
    nginx_port: int = 8080

    # Faust
    store: str = "rocksdb://"
    # Worker index lets several workers of one service run on one host (own web port, own RocksDB).
    worker_index: int = Field(default=0, ge=0)

    # A fetch returns once this much data is there or after this wait, whichever is first
    # (streams/fetch_batching.py): the wait is latency added to each hop between services,
    # and every consumer asks that often even when idle. At 25 ms the idle system took
    # about a third of a core for fetches (workers and Kafka, 26-35% measured; 15% at
    # 100 ms), CPU the webhook and actions benchmarks then did not have (docs/payments.md).
    consumer_fetch_min_bytes: int = Field(default=64 * 1024, ge=1)
    consumer_fetch_max_wait_ms: int = Field(default=100, ge=0)

    # Sinks: flushed at whichever comes first. Below the size the time is latency; above
    # it, bigger batches are cheaper. Sync and payments have their own times, below.
    sink_batch_size: int = Field(default=1000, ge=1)
    sink_flush_seconds: float = Field(default=0.5, gt=0)
    # Sync's two stages fill batches only when behind (a load, a snapshot); each batch costs
    # a dozen PostgreSQL transactions and a publish whatever its size. Initial load of 20,000
    # customers (bench step sync): 1,248 entities/s at 1,000; 1,545 and 1,659 at 5,000.
    sync_batch_size: int = Field(default=5000, ge=1)
    # How long each of sync's two stages gathers a batch that does not fill: a change waits
    # for it twice. Freshness at 1,000 changes/s, 1M customers, two workers (docs/sync.md):
    # p99 2.75 s with 0.5 s and 1.60 s with 0.25 s in the whole bench step (one run each,
    # sync restarted before each); the initial load 4,179 and 4,106 entities/s.
    sync_flush_seconds: float = Field(default=0.25, gt=0)
    # Payment notifications are waited for (the payer's receipt, the agent's promise): a
    # payment 202 → readable at 100/s took p50 0.5 s at 0.5 s, 0.16 s at 0.1 s (step intake).
    # At 1,000/s a batch took about 120 ms to apply and the next one gathered meanwhile, so
    # a payment waited for the window and a batch or two: p50 0.31-0.35 s at 0.1 s, 0.19-0.20
    # s at 0.02 s, for about 3% more of a core in the payments worker (docs/payments.md).
    payments_flush_seconds: float = Field(default=0.02, gt=0)
    # A record held for its customer longer than this is reported by verifyRelationships.
    orphan_report_minutes: int = Field(default=60, ge=0)

    # Directory: Active Directory over LDAP. The embedded runtime runs a demo Samba AD DC on
    # loopback with plain LDAP; a real deployment points these at the bank's AD with StartTLS.
    ldap_host: str = "127.0.0.1"
    ldap_port: int = 389
    ldap_start_tls: bool = False
    ad_realm: str = "BANK.TEST"
    # NetBIOS domain name, for `DOMAIN\user` logins.
    ad_domain: str = "BANK"
    ldap_base_dn: str = "DC=bank,DC=test"
    # Low-privilege account the CRM binds as to search and sync users; the embedded runtime
    # generates its password into data_dir/secrets/ad-service-password.
    ldap_service_user: str = "svc-crm@bank.test"
    ldap_service_password: SecretStr | None = None
    ldap_service_password_file: Path | None = None

    def ldap_service_password_value(self) -> str | None:
        """Return the service account's password: the setting, its file, or the runtime's."""
        if self.ldap_service_password is not None:
            return self.ldap_service_password.get_secret_value()
        path = self.ldap_service_password_file or self.data_dir / "secrets" / "ad-service-password"
        return path.read_text().strip() if path.exists() else None

    # Demo-only users, groups and passwords the embedded runtime creates in its Samba AD.
    ad_demo_config: Path = PROJECT_ROOT / "runtime" / "directory" / "demo.yaml"

    # Tokens and sessions (auth service). Keys live in files, never in the repository.
    jwt_issuer: str = "crm-auth"
    jwt_audience: str = "crm"
    jwt_keys_dir: Path | None = None  # default: <data_dir>/secrets/jwt
    # Where services fetch the auth service's public keys; default: the local auth web port.
    jwks_url: str | None = None
    access_token_minutes: int = Field(default=15, ge=1, le=60)
    session_idle_minutes: int = Field(default=30, ge=1)
    session_absolute_hours: int = Field(default=12, ge=1)
    max_sessions_per_user: int = Field(default=3, ge=1)
    lockout_threshold: int = Field(default=5, ge=1)
    lockout_window_minutes: int = Field(default=15, ge=1)
    lockout_minutes: int = Field(default=15, ge=1)
    # The scheduled pull of users, groups and enabled flags from AD (besides every login).
    directory_sync_minutes: float = Field(default=15, gt=0)
    # AD group (CN) → CRM role; a user in none of them has no access.
    group_roles: dict[str, str] = Field(
        default_factory=lambda: {
            "CRM-Admins": "ADMIN",
            "CRM-Supervisors": "SUPERVISOR",
            "CRM-TeamLeads": "TEAM_LEAD",
            "CRM-Agents": "AGENT",
            "CRM-Auditors": "AUDITOR",
            "CRM-Service": "SYSTEM",
        }
    )

    # The payment gateway's signed webhook: one file per channel, one secret per line (current
    # first, the previous one second while it rotates out), never in the repository.
    payment_webhook_secrets_dir: Path | None = None  # default: <data_dir>/secrets/payment-webhook
    # How far the gateway's X-Payment-Timestamp may be from our clock, either way.
    payment_webhook_tolerance_seconds: int = Field(default=300, ge=1, le=3600)
    # How a payment is split within one due segment (oldest segment first, always).
    payment_allocation_order: str = "PENALTY,FEES,INTEREST,PRINCIPAL"
    # Suspense older than this is what GET /api/payments/reports/suspense lists by default.
    payment_suspense_report_minutes: int = Field(default=24 * 60, ge=0)

    # Contact rules (DOMAIN.md): hours in bank_timezone, end exclusive; attempts per customer.
    contact_hours_start: dt.time = dt.time(7, 0)
    contact_hours_end: dt.time = dt.time(21, 0)
    contact_max_per_day: int = Field(default=5, ge=1)
    contact_max_per_week: int = Field(default=7, ge=1)
    # How stale the action dictionaries a worker checks against may be after an admin's change.
    dictionary_cache_seconds: float = Field(default=5, gt=0)
    # Promises above these amounts (per currency) wait for a supervisor; a currency not listed
    # always does.
    promise_approval_limits: dict[str, Decimal] = Field(
        default_factory=lambda: {"VND": Decimal(50_000_000), "USD": Decimal(2_000)}
    )
    # How far ahead a promise may be due, and how often workers look for promises past due.
    promise_max_days: int = Field(default=90, ge=1)
    promise_scan_seconds: float = Field(default=300, gt=0)
    # A payment counts for the agent whose contact (or promise) came at most this long before.
    attribution_window_days: int = Field(default=7, ge=1, le=90)
    # How long POST /api/actions waits for the customer's worker before answering 202.
    action_decision_wait_seconds: float = Field(default=10, gt=0)
    # How often customers waiting for a free agent of their strategy's team are dealt out,
    # and at most how many per transaction.
    strategy_fill_seconds: float = Field(default=30, gt=0)
    strategy_fill_batch: int = Field(default=500, ge=1, le=10_000)
    # How often agents' figures per day (agents.agent_performance) are recomputed.
    performance_rollup_seconds: float = Field(default=300, gt=0)

    @field_validator("uvloop_services", mode="before")
    @classmethod
    def _service_names(cls, value: Any) -> Any:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value

    def contact_policy(self) -> ContactPolicy:
        return ContactPolicy(
            ZoneInfo(self.bank_timezone),
            self.contact_hours_start,
            self.contact_hours_end,
            self.contact_max_per_day,
            self.contact_max_per_week,
        )

    def web_port(self, service: ServiceName) -> int:
        base: int = getattr(self, f"{service}_web_port")
        # Extra workers of one service listen 100 ports above the previous one.
        return base + 100 * self.worker_index

    def advertised_host_name(self) -> str:
        if self.advertised_host:
            return self.advertised_host
        if self.web_host in ("0.0.0.0", "::"):  # noqa: S104 (a check, not a bind)
            return socket.gethostname()
        return self.web_host

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"

    @property
    def kafka_broker_url(self) -> str:
        return "kafka://" + ";".join(self.kafka_bootstrap.split(","))

    @property
    def connect_url(self) -> str:
        return f"http://{self.connect_host}:{self.connect_port}"

    @property
    def run_dir(self) -> Path:
        return self.data_dir / "run"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "log"

    def jwks_location(self) -> str:
        default = f"http://127.0.0.1:{self.auth_web_port}/api/auth/.well-known/jwks.json"
        return self.jwks_url or default

    @property
    def jwt_keys_path(self) -> Path:
        return self.jwt_keys_dir or self.data_dir / "secrets" / "jwt"

    @property
    def payment_webhook_secrets_path(self) -> Path:
        return self.payment_webhook_secrets_dir or self.data_dir / "secrets" / "payment-webhook"

    def database_password(self) -> str | None:
        if self.pg_password is not None:
            return self.pg_password.get_secret_value()
        path = self.pg_password_file or self.data_dir / "secrets" / "pg-password"
        if path.exists():
            return path.read_text().strip()
        return None

    def database_url(self, driver: str = "postgresql+asyncpg") -> str:
        """SQLAlchemy URL; the password is included only here, never logged."""
        password = self.database_password()
        auth = self.pg_user if password is None else f"{self.pg_user}:{quote(password, safe='')}"
        return f"{driver}://{auth}@{self.pg_host}:{self.pg_port}/{self.pg_database}"

    def asyncpg_dsn(self) -> str:
        return self.database_url(driver="postgresql")

    def source_dsn(self, database: str) -> str:
        """A simulated source database in the same cluster (the sync job's signal table).

        A bank's deployment points the connectors at its own databases; the sync service
        then needs only INSERT on each source's debezium_signal table.
        """
        return self.database_url(driver="postgresql").rsplit("/", 1)[0] + f"/{database}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the environment once per process."""
    return Settings()
