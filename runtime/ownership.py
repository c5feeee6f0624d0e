"""Mark every process the runtime starts so that `crm down` can prove none is left."""

from __future__ import annotations

import hashlib
import json
import os
from enum import Enum
from pathlib import Path

from pydantic import SecretStr

from crm.settings import Settings

# Set in each child's environment; children inherit it, so helpers are found too.
TAG_VARIABLE = "CRM_RUNTIME_TAG"


def runtime_tag(settings: Settings) -> str:
    """Identify one runtime instance by its data dir (two checkouts never share a tag)."""
    return hashlib.sha256(str(settings.data_dir.resolve()).encode()).hexdigest()[:16]


def _as_env(value: object) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, set | frozenset):
        # Sets of names are read back from comma-separated text (crm/settings.py).
        return ",".join(sorted(str(v) for v in value))
    if isinstance(value, dict | list | tuple):
        # pydantic-settings parses complex fields from the environment as JSON.
        return json.dumps(value, default=str)  # Decimal amounts travel as text
    return str(value)


def child_env(settings: Settings, with_settings: bool = False, **extra: str) -> dict[str, str]:
    """Environment for a child: ours plus the tag; with_settings adds the settings as CRM_*.

    Our own Python children get every setting so they see the same values as the caller
    (tests build Settings in code); Java, nginx and PostgreSQL need none, secrets included.
    """
    # Java, nginx and PostgreSQL (which runs as another user) must not inherit CRM_* secrets.
    env = {k: v for k, v in os.environ.items() if with_settings or not k.startswith("CRM_")}
    if with_settings:
        for field, value in settings:
            if value is not None:
                env[f"CRM_{field.upper()}"] = _as_env(value)
    env[TAG_VARIABLE] = runtime_tag(settings)
    env.update(extra)
    return env


def _ancestors() -> set[int]:
    pids, pid = set(), os.getpid()
    while pid > 1:
        pids.add(pid)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            break
        pid = int(stat.rsplit(")", 1)[-1].split()[1])
    return pids


def tagged_processes(settings: Settings) -> list[tuple[int, str]]:
    """Return (pid, command line) of live processes carrying this runtime's tag.

    nginx and PostgreSQL rewrite their process titles over the original environment, so a
    command line naming the data dir counts too.
    """
    needle = f"{TAG_VARIABLE}={runtime_tag(settings)}".encode()
    data_dir = str(settings.data_dir.resolve())
    skip = _ancestors()
    found: list[tuple[int, str]] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in skip:
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0]
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        # A bare mention of the data dir is not enough (`tail -f var/log/…` mentions it too):
        # only the two servers that rewrite their titles are matched by command line.
        server = cmdline.startswith("nginx: master") or (
            " -D " in cmdline and "postgres" in cmdline
        )
        ours = needle in environ.split(b"\0") or (server and data_dir in cmdline)
        if ours and state != "Z":
            found.append((int(entry.name), cmdline.strip()))
    return found
