"""`crm up`, `crm down`, `crm status`: the embedded runtime as one unit."""

from __future__ import annotations

import time

from crm.settings import SERVICES, Settings
from runtime import connect, install, kafka, nginx, postgres, processes, samba, services
from runtime.component import Component
from runtime.connectors import apply_connectors
from runtime.ownership import tagged_processes
from runtime.topics import create_topics
from runtime.webhook_secrets import ensure_webhook_secrets

INFRA = ("postgres", "kafka", "connect", "samba", "nginx")
# Start order; `down` walks it backwards.
COMPONENTS: tuple[Component, ...] = (
    postgres.COMPONENT,
    kafka.COMPONENT,
    connect.COMPONENT,
    samba.COMPONENT,
    *services.COMPONENTS,
    nginx.COMPONENT,
)
BY_NAME = {c.name: c for c in COMPONENTS}
# A component found running but not yet healthy may still be starting: give it this long.
SETTLE_SECONDS = 60.0


def select(only: list[str] | None) -> list[str]:
    """Expand --only (with `infra` for the infrastructure parts) into component names."""
    if not only:
        return [c.name for c in COMPONENTS]
    wanted: set[str] = set()
    for name in only:
        if name == "infra":
            wanted.update(INFRA)
        elif name in BY_NAME:
            wanted.add(name)
        else:
            choices = ", ".join(["infra", *BY_NAME])
            raise ValueError(f"unknown component {name!r}; choose from {choices}")
    return [c.name for c in COMPONENTS if c.name in wanted]


def ensure(settings: Settings, component: Component) -> None:
    """Leave a healthy component alone, wait for a starting one, start a stopped one."""
    pid = component.pid(settings)
    if pid is not None:
        log = processes.log_file(settings, component.name)
        processes.wait_until(
            lambda: component.check(settings) is None,
            timeout=SETTLE_SECONDS,
            what=f"{component.name} (running as pid {pid} but unhealthy)",
            log=log,
        )
        print(f"{component.name}: already running (pid {pid})", flush=True)
        return
    print(f"{component.name}: starting…", end=" ", flush=True)
    started = time.monotonic()
    try:
        component.start(settings)
    except Exception:
        print("failed", flush=True)
        raise
    print(
        f"healthy in {time.monotonic() - started:.0f}s (pid {component.pid(settings)})", flush=True
    )


def _migrate(settings: Settings) -> None:
    from persistence.migrate import migrate

    print("migrations: applying…", flush=True)
    migrate(settings)


def up(settings: Settings, only: list[str] | None) -> int:
    """Bring the selected components up in dependency order; idempotent."""
    try:
        names = select(only)
    except ValueError as exc:
        print(exc)
        return 2
    wanted_services = [s for s in SERVICES if s in names]
    try:
        # The payments service renders PDF receipts in a Unicode font (Vietnamese).
        packages = {"postgres": "postgresql", "nginx": "nginx", "payments": "fonts-dejavu-core"}
        install.ensure_debian_packages([p for n, p in packages.items() if n in names])
        if "kafka" in names or "connect" in names:
            install.ensure_jars(settings)
        if "payments" in names or services.INTAKE in names:
            # The webhook's channel secrets; an existing one is never overwritten.
            ensure_webhook_secrets(settings)
        for component in COMPONENTS:
            if component.name not in names:
                continue
            # Services start on the schema they expect, so migrations run right before the first.
            if wanted_services and component.name == wanted_services[0]:
                _migrate(settings)
            ensure(settings, component)
            if component.name == "kafka":
                create_topics(settings)
            if component.name == "connect" and apply_connectors(settings, None) != 0:
                raise RuntimeError("the Debezium connectors could not be applied")
    except (processes.RuntimeStartError, RuntimeError, OSError) as exc:
        print(f"\nup failed: {exc}")
        if isinstance(exc, processes.RuntimeStartError) and exc.log is not None:
            print(f"--- last lines of {exc.log} ---")
            print("\n".join(processes.log_tail(exc.log)))
        return 1
    print_summary(settings, names)
    return 0


def print_summary(settings: Settings, names: list[str]) -> None:
    """Print URLs, the DSN (never the password) and the log directory."""
    print("\nready:")
    if "nginx" in names:
        print(f"  nginx              http://127.0.0.1:{settings.nginx_port}/  (health: /health)")
        print(f"  live dashboard     http://127.0.0.1:{settings.nginx_port}/dashboard")
    for service in SERVICES:
        if service in names:
            print(f"  {service:<18} http://127.0.0.1:{settings.web_port(service)}/")
    if services.INTAKE in names:
        port = settings.payments_intake_web_port
        print(f"  {services.INTAKE:<18} http://127.0.0.1:{port}/  (the gateway's webhook)")
    if "kafka" in names:
        print(f"  kafka              {settings.kafka_bootstrap}")
    if "connect" in names:
        print(f"  connect REST       {settings.connect_url}/connectors")
    if "samba" in names:
        ldap = f"ldap://{settings.ldap_host}:{settings.ldap_port}"
        print(
            f"  samba AD           {ldap}  {settings.ad_realm}  (users: {settings.ad_demo_config})"
        )
    if "postgres" in names:
        dsn = f"postgresql://{settings.pg_user}@{settings.pg_host}:{settings.pg_port}"
        secret = settings.pg_password_file or settings.data_dir / "secrets" / "pg-password"
        print(f"  postgres           {dsn}/{settings.pg_database}  (password: {secret})")
    print(f"  logs               {settings.log_dir}/<component>.log")
    print(f"  pid files          {settings.run_dir}")
    # Keep the reader from hunting: the one log per component, named like the component.
    if names:
        print(f"  e.g. tail -f {processes.log_file(settings, names[0])}")


def down(settings: Settings) -> int:
    """Stop every component we recorded, in reverse order, then check none of ours is left."""
    for component in reversed(COMPONENTS):
        if component.stop(settings):
            print(f"{component.name}: stopped", flush=True)
    leftovers = tagged_processes(settings)
    for pid, cmdline in leftovers:
        # Tagged by us but not recorded (a crashed `up`, a lost PID file): ours to end.
        print(f"stopping unrecorded pid {pid}: {cmdline[:100]}", flush=True)
        processes.terminate_pid(pid)
    remaining = tagged_processes(settings)
    if remaining:
        for pid, cmdline in remaining:
            print(f"still running: pid {pid}: {cmdline[:100]}")
        return 1
    print("nothing of the runtime is running")
    return 0


def status(settings: Settings) -> int:
    """Print one row per component; exit 0 only when every one is healthy."""
    rows = [(c.name, *c.state(settings)) for c in COMPONENTS]
    print(f"{'component':<10} {'pid':>7}  {'state':<10} detail")
    for name, pid, state, detail in rows:
        print(f"{name:<10} {pid or '-':>7}  {state:<10} {detail}")
    where = postgres.layout(settings)
    if where.fallback:
        print(f"postgres cluster kept in {where.home} (data dir not reachable by crm-pg)")
    return 0 if all(state == "healthy" for *_, state, _ in rows) else 1
