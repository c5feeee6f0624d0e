"""Launch a JVM from the resolved jars with log4j2 writing to the process's own log file."""

from __future__ import annotations

import shutil
from pathlib import Path

from crm.settings import Settings
from runtime.install import kafka_classpath

# Console only: processes.start sends stdout to <log_dir>/<name>.log, one file per component.
LOG4J2_CONFIG = """\
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.stdout.ref = STDOUT
# These two log every request and partition state change: noise on a dev machine.
logger.request.name = kafka.request.logger
logger.request.level = warn
logger.state.name = state.change.logger
logger.state.level = warn
logger.reflections.name = org.reflections
logger.reflections.level = error
"""


def log4j2_config(settings: Settings) -> Path:
    path = settings.data_dir / "config" / "log4j2.properties"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != LOG4J2_CONFIG:
        path.write_text(LOG4J2_CONFIG)
    return path


def java_command(settings: Settings, main_class: str, *args: str, heap: str = "1g") -> list[str]:
    """Build `java … -cp jars/kafka/* <main> <args>` with our logging and heap."""
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("java is not installed (Java 17+ runs Kafka and Connect)")
    return [
        java,
        f"-Xmx{heap}",
        f"-Xms{heap if heap.endswith('m') else '256m'}",
        "-XX:+UseG1GC",
        "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={log4j2_config(settings)}",
        "-cp",
        kafka_classpath(settings),
        main_class,
        *args,
    ]


def write_properties(path: Path, values: dict[str, str]) -> None:
    """Write a Java .properties file (values here never need escaping beyond ':' and '=')."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{key}={value}" for key, value in values.items()]
    path.write_text("\n".join(lines) + "\n")
