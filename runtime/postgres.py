"""PostgreSQL cluster of the runtime, run as the unprivileged system user crm-pg."""

from __future__ import annotations

import hashlib
import os
import pwd
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg

from crm.settings import Settings
from runtime import processes
from runtime.component import Component
from runtime.install import postgres_bin_dir

NAME = "postgres"
OS_USER = "crm-pg"
# Used when the project's data dir is not reachable by OS_USER (e.g. a clone under /root).
FALLBACK_ROOT = Path("/var/lib/crm-pg")


@dataclass(frozen=True)
class Layout:
    """Where the cluster lives; `fallback` says it is outside the project's data dir."""

    home: Path
    sockets: Path
    fallback: bool

    @property
    def data(self) -> Path:
        return self.home / "data"


def _bin(tool: str) -> str:
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL server binaries not found; run `crm up` to install")
    return str(bin_dir / tool)


def ensure_os_user() -> None:
    try:
        pwd.getpwnam(OS_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--user-group",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                OS_USER,
            ],
            check=True,
        )


def as_pg(command: list[str], input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command as OS_USER (initdb and postgres refuse to run as root)."""
    env = {**os.environ, "HOME": "/", "PGCONNECT_TIMEOUT": "5"}
    return subprocess.run(
        command,
        user=OS_USER,
        group=OS_USER,
        extra_groups=[],
        env=env,
        text=True,
        capture_output=True,
        cwd="/",
        input=input,
    )


def _usable_by_pg(path: Path) -> bool:
    return (
        as_pg(["test", "-r", str(path), "-a", "-w", str(path), "-a", "-x", str(path)]).returncode
        == 0
    )


def _own_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    info = pwd.getpwnam(OS_USER)
    os.chown(path, info.pw_uid, info.pw_gid)
    path.chmod(0o700)


def layout(settings: Settings, create: bool = False) -> Layout:
    """Pick the cluster's home: the data dir when OS_USER can reach it, else a fallback.

    Without `create` nothing is probed or made: a cluster not yet initialised is reported at
    the primary place, so `crm status` never creates users or directories.
    """
    primary = Layout(settings.data_dir / "postgres", settings.run_dir / "postgres", False)
    digest = hashlib.sha256(str(settings.data_dir.resolve()).encode()).hexdigest()[:12]
    home = FALLBACK_ROOT / digest
    fallback = Layout(home, home / "run", True)
    for candidate in (primary, fallback):
        if (candidate.data / "PG_VERSION").exists():
            return candidate
    if not create:
        return primary
    return primary if _probe(primary) else fallback


def _probe(candidate: Layout) -> bool:
    try:
        ensure_os_user()
        _own_dir(candidate.home)
        _own_dir(candidate.sockets)
    except OSError:
        return False
    return _usable_by_pg(candidate.home) and _usable_by_pg(candidate.sockets)


def _config(settings: Settings, where: Layout) -> str:
    return (
        f"port = {settings.pg_port}\n"
        "listen_addresses = '127.0.0.1'\n"
        f"unix_socket_directories = '{where.sockets}'\n"
        # Debezium reads the WAL through logical replication slots.
        "wal_level = logical\n"
        "max_replication_slots = 10\n"
        "max_wal_senders = 10\n"
        "shared_buffers = 256MB\n"
        # Loads and the change simulator's churn filled the default 1 GB of WAL in about a
        # minute: checkpoints came one after another, and after each the first change to
        # every page is logged as the whole page. In one sync bench step (50,000 customers
        # twice, a minute of churn at 1,000/s) those full-page images were 386,754 of 3.9 GB
        # of WAL, about 3.2 GB, all written, fsynced and read by Debezium's walsenders.
        "max_wal_size = 4GB\n"
        "wal_compression = lz4\n"
        # The services' pools, Debezium, the tests, and the change simulator's churners (three
        # connections each, 25 churners at 1,000 changes/s) together pass the default 100.
        "max_connections = 300\n"
        # The data is on SSD and mostly cached: a random page costs about what a sequential one
        # does. With the default 4.0 (spinning disks) the planner seq-scans workflow's
        # assignments for an agent's queue instead of using the partial index of open ones.
        "random_page_cost = 1.1\n"
        "password_encryption = 'scram-sha-256'\n"
    )


def init_cluster(settings: Settings, where: Layout) -> None:
    """Create the cluster once, then (re)write our settings file it includes."""
    ensure_os_user()
    _own_dir(where.home)
    _own_dir(where.sockets)
    if not (where.data / "PG_VERSION").exists():
        print(
            f"initdb {where.data}"
            + (" (data dir not reachable by crm-pg)" if where.fallback else "")
        )
        result = as_pg(
            [
                _bin("initdb"),
                "-D",
                str(where.data),
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--auth-local=peer",
                "--auth-host=scram-sha-256",
            ]
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed: {result.stderr.strip()}")
        with (where.data / "postgresql.conf").open("a") as conf:
            conf.write("\ninclude = 'crm.conf'\n")
    crm_conf = where.data / "crm.conf"
    crm_conf.write_text(_config(settings, where))
    info = pwd.getpwnam(OS_USER)
    os.chown(crm_conf, info.pw_uid, info.pw_gid)


def marker(settings: Settings) -> str:
    return str(layout(settings).data)


def psql(settings: Settings, database: str, sql: str) -> str:
    """Run SQL (from stdin, so secrets never show in ps) as the cluster's superuser."""
    where = layout(settings)
    command = [
        _bin("psql"),
        "-X",
        "-q",
        "-A",
        "-t",
        "-v",
        "ON_ERROR_STOP=1",
        "-h",
        str(where.sockets),
        "-p",
        str(settings.pg_port),
        "-U",
        OS_USER,
        "-d",
        database,
    ]
    result = as_pg(command, input=sql)
    if result.returncode != 0:
        raise RuntimeError(f"psql on {database} failed: {result.stderr.strip()}")
    return result.stdout


def check(settings: Settings) -> str | None:
    """None when pg_isready succeeds and the project role can run a query over TCP."""
    ready = subprocess.run(
        [_bin("pg_isready"), "-q", "-h", settings.pg_host, "-p", str(settings.pg_port)],
        capture_output=True,
    )
    if ready.returncode != 0:
        return f"pg_isready: no answer on {settings.pg_host}:{settings.pg_port}"
    try:
        with psycopg.connect(settings.database_url("postgresql"), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"query failed: {str(exc).splitlines()[0]}"
    return None


def start(settings: Settings) -> None:
    """Initialise the cluster if needed, start the postmaster and create role and databases."""
    from runtime.postgres_bootstrap import bootstrap

    where = layout(settings, create=True)
    init_cluster(settings, where)
    command = [_bin("postgres"), "-D", str(where.data)]
    pid = processes.start(settings, NAME, command, user=OS_USER, cwd=Path("/"))
    ready = [_bin("pg_isready"), "-q", "-h", settings.pg_host, "-p", str(settings.pg_port)]
    processes.wait_until(
        lambda: subprocess.run(ready).returncode == 0,
        timeout=60,
        what="PostgreSQL",
        log=processes.log_file(settings, NAME),
        alive=lambda: processes.is_alive(pid),
    )
    bootstrap(settings)
    problem = check(settings)
    if problem is not None:
        raise processes.RuntimeStartError(f"PostgreSQL: {problem}")


COMPONENT = Component(
    name=NAME, marker=marker, start=start, check=check, stop_timeout=60, stop_signal=signal.SIGINT
)
