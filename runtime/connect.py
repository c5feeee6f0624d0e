"""Kafka Connect in distributed mode with the Debezium plugins, REST on loopback."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from crm.settings import Settings
from runtime import processes
from runtime.component import Component
from runtime.install import plugins_dir
from runtime.java import java_command, write_properties

NAME = "connect"
REQUIRED_PLUGINS = (
    "io.debezium.connector.postgresql.PostgresConnector",
    "io.debezium.connector.mysql.MySqlConnector",
)


def config_path(settings: Settings) -> Path:
    return settings.data_dir / "config" / "connect-worker.properties"


def _write_config(settings: Settings) -> Path:
    path = config_path(settings)
    # Connect refuses to start when the provider's allowed folder is missing.
    (settings.data_dir / "secrets" / "connect").mkdir(mode=0o700, parents=True, exist_ok=True)
    write_properties(
        path,
        {
            "bootstrap.servers": settings.kafka_bootstrap,
            "group.id": "crm-connect",
            "listeners": f"http://127.0.0.1:{settings.connect_port}",
            "rest.advertised.host.name": "127.0.0.1",
            "rest.advertised.port": str(settings.connect_port),
            # Created beforehand by runtime.topics, with the partitions Connect expects.
            "config.storage.topic": "connect.configs",
            "offset.storage.topic": "connect.offsets",
            "status.storage.topic": "connect.status",
            "config.storage.replication.factor": "1",
            "offset.storage.replication.factor": "1",
            "status.storage.replication.factor": "1",
            "key.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "key.converter.schemas.enable": "false",
            "value.converter.schemas.enable": "false",
            "plugin.path": str(plugins_dir(settings)),
            # Connector configs name secrets by reference (${dir:…:pg-password}); Connect
            # reads them from this folder only, so they never enter its topics or REST API.
            "config.providers": "dir",
            "config.providers.dir.class": (
                "org.apache.kafka.common.config.provider.DirectoryConfigProvider"
            ),
            "config.providers.dir.param.allowed.paths": str(
                settings.data_dir / "secrets" / "connect"
            ),
            # The broker refuses auto-creation, so connectors declare their topics' settings.
            "topic.creation.enable": "true",
            "offset.flush.interval.ms": "5000",
        },
    )
    return path


def rest(settings: Settings, method: str, path: str, body: Any = None, timeout: float = 10) -> Any:
    """Call Connect's REST API and return the decoded JSON (None for an empty body)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 (the URL is our loopback Connect)
        settings.connect_url + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback)
        raw = response.read()
    return json.loads(raw) if raw else None


def installed_plugins(settings: Settings) -> set[str]:
    plugins = rest(settings, "GET", "/connector-plugins", timeout=5)
    return {p["class"] for p in plugins}


def marker(settings: Settings) -> str:
    return str(config_path(settings))


def check(settings: Settings) -> str | None:
    """None when the REST API answers and both Debezium connectors are loaded."""
    try:
        plugins = installed_plugins(settings)
    except (OSError, urllib.error.URLError, ValueError) as exc:
        return f"REST {settings.connect_url}: {exc}"
    missing = [p.rsplit(".", 1)[-1] for p in REQUIRED_PLUGINS if p not in plugins]
    if missing:
        return "plugins missing: " + ", ".join(missing)
    return None


def start(settings: Settings) -> None:
    """Start the Connect worker and wait until its REST API lists the Debezium plugins."""
    config = _write_config(settings)
    command = java_command(
        settings, "org.apache.kafka.connect.cli.ConnectDistributed", str(config), heap="1g"
    )
    pid = processes.start(settings, NAME, command)
    processes.wait_until(
        lambda: check(settings) is None,
        timeout=120,
        what="Kafka Connect",
        log=processes.log_file(settings, NAME),
        alive=lambda: processes.is_alive(pid),
    )


COMPONENT = Component(name=NAME, marker=marker, start=start, check=check, stop_timeout=60)
