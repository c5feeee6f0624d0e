"""Single-node Kafka in KRaft mode (broker and controller in one JVM) on loopback."""

from __future__ import annotations

import base64
import socket
import subprocess
import uuid
from pathlib import Path

from confluent_kafka.admin import AdminClient

from crm.settings import Settings
from runtime import processes
from runtime.component import Component
from runtime.java import java_command, write_properties

NAME = "kafka"


def _host_port(settings: Settings) -> tuple[str, int]:
    first = settings.kafka_bootstrap.split(",")[0]
    host, _, port = first.rpartition(":")
    return host or "127.0.0.1", int(port)


def config_path(settings: Settings) -> Path:
    return settings.data_dir / "config" / "kafka.properties"


def log_dirs(settings: Settings) -> Path:
    return settings.data_dir / "kafka"


def _write_config(settings: Settings) -> Path:
    host, port = _host_port(settings)
    controller = f"127.0.0.1:{settings.kafka_controller_port}"
    path = config_path(settings)
    write_properties(
        path,
        {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{controller}",
            "listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{controller}",
            "advertised.listeners": f"PLAINTEXT://{host}:{port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(log_dirs(settings)),
            # Topics come only from `crm topics`: a typo must fail, not create a topic.
            "auto.create.topics.enable": "false",
            "num.partitions": str(settings.topic_partitions),
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            # One node: waiting for more group members to join only slows tests down.
            "group.initial.rebalance.delay.ms": "0",
            "log.retention.check.interval.ms": "60000",
        },
    )
    return path


def _format_storage(settings: Settings, config: Path) -> None:
    """Format the log directory once; meta.properties proves it was done."""
    if (log_dirs(settings) / "meta.properties").exists():
        return
    cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    command = java_command(settings, "kafka.tools.StorageTool", heap="256m")
    command += ["format", "-t", cluster_id, "-c", str(config)]
    log = processes.log_file(settings, NAME)
    with log.open("ab") as sink:
        result = subprocess.run(command, stdout=sink, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise processes.RuntimeStartError("formatting Kafka storage failed", log)


def marker(settings: Settings) -> str:
    return str(config_path(settings))


def check(settings: Settings) -> str | None:
    """None when the broker accepts connections and answers metadata requests."""
    host, port = _host_port(settings)
    try:
        with socket.create_connection((host, port), timeout=2):
            pass
    except OSError as exc:
        return f"port {port}: {exc.strerror or exc}"
    admin = AdminClient({"bootstrap.servers": settings.kafka_bootstrap, "log_level": 0})
    try:
        admin.list_topics(timeout=5)
    except Exception as exc:  # KafkaException carries the reason; any failure means unhealthy.
        return f"metadata request failed: {exc}"
    return None


def start(settings: Settings) -> None:
    """Write config, format storage once, start the broker and wait until it answers."""
    config = _write_config(settings)
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    _format_storage(settings, config)
    pid = processes.start(settings, NAME, java_command(settings, "kafka.Kafka", str(config)))
    processes.wait_until(
        lambda: check(settings) is None,
        timeout=90,
        what="Kafka broker",
        log=processes.log_file(settings, NAME),
        alive=lambda: processes.is_alive(pid),
    )


COMPONENT = Component(name=NAME, marker=marker, start=start, check=check, stop_timeout=60)
