"""Apply the Debezium connector configs in connectors/debezium/ to Kafka Connect."""

from __future__ import annotations

import json
import os
import re
import urllib.error
from pathlib import Path
from typing import Any

from crm.settings import PROJECT_ROOT, Settings
from runtime.connect import rest

CONFIG_DIR = PROJECT_ROOT / "connectors" / "debezium"
# ${name} only: Connect's own config providers look like ${file:path:key} and pass through.
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def config_files(names: list[str] | None = None) -> list[Path]:
    """The config files to use: all of them, or those named (by file stem)."""
    files = sorted(CONFIG_DIR.glob("*.json"))
    if not names:
        return files
    by_name = {f.stem: f for f in files}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise ValueError(f"no connector config for {', '.join(missing)} in {CONFIG_DIR}")
    return [by_name[n] for n in names]


def connect_secrets_dir(settings: Settings) -> Path:
    """Files Connect's DirectoryConfigProvider may read (and nothing else)."""
    return settings.data_dir / "secrets" / "connect"


def _password_reference(settings: Settings) -> str | None:
    """Write the password where Connect resolves it at run time and return the reference.

    The connector config then carries `${dir:…:pg-password}`, so the password never lands in
    the connect.configs topic or in Connect's REST answers. The provider reads the file
    verbatim, hence no trailing newline.
    """
    password = settings.database_password()
    if password is None:
        return None
    folder = connect_secrets_dir(settings)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / "pg-password"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password)
    return "${dir:" + str(folder) + ":pg-password}"


def _values(settings: Settings) -> dict[str, str]:
    password = _password_reference(settings)
    values = {
        "pg_host": settings.pg_host,
        "pg_port": str(settings.pg_port),
        "pg_user": settings.pg_user,
        "topic_prefix": settings.topic_prefix,
        "topic_partitions": str(settings.topic_partitions),
        "topic_replication": str(settings.topic_replication),
    }
    if password is not None:
        values["pg_password"] = password
    return values


def render(settings: Settings, path: Path) -> dict[str, str]:
    """Load one config and fill its ${...} placeholders from the settings."""
    values = _values(settings)
    raw: dict[str, Any] = json.loads(path.read_text())

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise ValueError(f"{path.name}: unknown or unset placeholder ${{{key}}}")
        return values[key]

    return {key: PLACEHOLDER.sub(fill, str(value)) for key, value in raw.items()}


def apply_connectors(settings: Settings, names: list[str] | None) -> int:
    """Create or update each connector (PUT is idempotent); print state, never the config."""
    try:
        files = config_files(names)
        for path in files:
            config = render(settings, path)
            result = rest(settings, "PUT", f"/connectors/{path.stem}/config", config)
            tasks = len(result.get("tasks", [])) if isinstance(result, dict) else 0
            print(f"connector {path.stem}: applied ({tasks} task(s) so far)")
    except ValueError as exc:
        print(exc)
        return 2
    except urllib.error.HTTPError as exc:
        print(f"Connect refused the config: HTTP {exc.code}: {exc.read().decode()[:500]}")
        return 1
    except (OSError, urllib.error.URLError) as exc:
        print(f"Kafka Connect at {settings.connect_url} is not reachable: {exc}")
        return 1
    return 0


def states(settings: Settings, name: str) -> tuple[str, list[tuple[str, str]]]:
    """Return the connector's state and (state, first error line) per task."""
    status = rest(settings, "GET", f"/connectors/{name}/status")
    tasks = [
        (task["state"], (task.get("trace") or "").strip().split("\n")[0])
        for task in status.get("tasks", [])
    ]
    return status["connector"]["state"], tasks


def all_running(settings: Settings) -> bool:
    """Every configured connector and all its tasks are RUNNING (False while Connect is away)."""
    try:
        for path in config_files(None):
            state, tasks = states(settings, path.stem)
            if state != "RUNNING" or not tasks or any(t != "RUNNING" for t, _ in tasks):
                return False
    except (OSError, urllib.error.URLError):
        return False
    return True


def connector_status(settings: Settings, names: list[str] | None) -> int:
    """Print each connector's and task's state; exit 0 only when all are RUNNING."""
    try:
        wanted = [p.stem for p in config_files(names)]
        all_running = True
        for name in wanted:
            try:
                state, tasks = states(settings, name)
            except urllib.error.HTTPError as exc:
                if exc.code != 404:
                    raise
                print(f"{name}: not applied")
                all_running = False
                continue
            print(f"{name}: {state}")
            for index, (task_state, error) in enumerate(tasks):
                print(f"  task {index}: {task_state}" + (f" — {error}" if error else ""))
            all_running &= state == "RUNNING" and all(t == "RUNNING" for t, _ in tasks)
    except ValueError as exc:
        print(exc)
        return 2
    except (OSError, urllib.error.URLError) as exc:
        print(f"Kafka Connect at {settings.connect_url} is not reachable: {exc}")
        return 1
    return 0 if all_running else 1
