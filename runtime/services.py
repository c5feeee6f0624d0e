"""The four Faust services as runtime components (`python -m crm worker <service>`), and the
payments' webhook intake (`python -m crm intake`)."""

from __future__ import annotations

import socket
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import cast

from crm.settings import PAYMENTS_INTAKE as INTAKE
from crm.settings import SERVICES, ServiceName, Settings
from runtime import processes
from runtime.component import Component
from runtime.ownership import child_env

# A worker also waits for Kafka consumer group assignment before its web view is up.
START_TIMEOUT = 120.0


def _marker(service: ServiceName) -> Callable[[Settings], str]:
    return lambda _settings: f"-m crm worker {service}"


def _port(settings: Settings, name: str) -> int:
    if name == INTAKE:
        return settings.payments_intake_web_port
    # The runtime starts worker 0 of each service, whatever index the caller's settings carry.
    service = cast(ServiceName, name)
    return settings.model_copy(update={"worker_index": 0}).web_port(service)


def health_url(settings: Settings, service: str) -> str:
    return f"http://127.0.0.1:{_port(settings, service)}/health"


def _check(service: str) -> Callable[[Settings], str | None]:
    def check(settings: Settings) -> str | None:
        url = health_url(settings, service)
        try:
            with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 (loopback URL)
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            return f"{url}: HTTP {exc.code}"
        except (OSError, urllib.error.URLError) as exc:
            return f"{url}: {exc}"
        return None if status == 200 else f"{url}: HTTP {status}"

    return check


def _port_taken(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _steady(probe: Callable[[], bool], needed: int) -> Callable[[], bool]:
    """Wrap a probe so it only passes after `needed` passes in a row."""
    streak = 0

    def steady() -> bool:
        nonlocal streak
        streak = streak + 1 if probe() else 0
        return streak >= needed

    return steady


def _start(service: str, command_args: list[str]) -> Callable[[Settings], None]:
    def start(settings: Settings) -> None:
        port = _port(settings, service)
        # Else the health check would be answered by someone else's process on that port.
        if _port_taken(port):
            raise processes.RuntimeStartError(
                f"service {service}: port {port} is already in use by a process we did not start"
            )
        command = [sys.executable, "-m", "crm", *command_args]
        env = child_env(settings, with_settings=True, CRM_WORKER_INDEX="0")
        pid = processes.start(settings, service, command, env=env)
        # A worker serves /health before its Kafka consumers start and may still crash then:
        # healthy means several answers in a row from a process that is still ours.
        healthy = _steady(lambda: _check(service)(settings) is None and processes.is_alive(pid), 4)
        processes.wait_until(
            healthy,
            timeout=START_TIMEOUT,
            what=f"service {service}",
            log=processes.log_file(settings, service),
            alive=lambda: processes.is_alive(pid),
        )

    return start


def component(service: ServiceName) -> Component:
    return Component(
        name=service,
        marker=_marker(service),
        start=_start(service, ["worker", service]),
        check=_check(service),
        stop_timeout=30,
    )


INTAKE_COMPONENT = Component(
    name=INTAKE,
    marker=lambda _settings: "-m crm intake",
    start=_start(INTAKE, ["intake"]),
    check=_check(INTAKE),
    stop_timeout=30,
)

COMPONENTS = (*(component(service) for service in SERVICES), INTAKE_COMPONENT)
