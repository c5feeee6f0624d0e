"""nginx in front of the four services' web ports, run as a project process (daemon off)."""

from __future__ import annotations

import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from crm.settings import SERVICES, Settings
from runtime import processes
from runtime.component import Component

NAME = "nginx"
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.tmpl"


def config_path(settings: Settings) -> Path:
    return settings.data_dir / "config" / "nginx.conf"


def _binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found is None:
        raise RuntimeError("nginx is not installed; run `crm up` to install it")
    return found


def render(settings: Settings) -> str:
    """Fill the template's {{name}} placeholders from the settings."""
    values = {
        "pid_file": str(settings.run_dir / "nginx-master.pid"),
        "log_dir": str(settings.log_dir),
        "temp_dir": str(settings.data_dir / "nginx"),
        "nginx_port": str(settings.nginx_port),
        **{f"{service}_port": str(settings.web_port(service)) for service in SERVICES},
        "payments_intake_port": str(settings.payments_intake_web_port),
    }
    text = TEMPLATE.read_text()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    if "{{" in text.split("\n", 2)[-1]:
        raise RuntimeError("nginx.conf.tmpl has a placeholder runtime/nginx.py does not fill")
    return text


def _command(settings: Settings, *extra: str) -> list[str]:
    # -e: the error log before the config is read, else nginx opens /var/log/nginx/error.log.
    prefix = str(settings.data_dir / "nginx") + "/"
    return [_binary(), "-e", "stderr", "-p", prefix, "-c", str(config_path(settings)), *extra]


def write_config(settings: Settings) -> Path:
    """Render the config and validate it with `nginx -t`."""
    path = config_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "nginx").mkdir(parents=True, exist_ok=True)
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(render(settings))
    result = subprocess.run(_command(settings, "-t", "-q"), capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"nginx -t rejected {path}: {result.stderr.strip()}")
    return path


def marker(settings: Settings) -> str:
    return str(config_path(settings))


def check(settings: Settings) -> str | None:
    """None when nginx's own /health answers 200."""
    url = f"http://127.0.0.1:{settings.nginx_port}/health"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            status = int(response.status)
    except (OSError, urllib.error.URLError) as exc:
        return f"{url}: {exc}"
    return None if status == 200 else f"{url}: HTTP {status}"


def start(settings: Settings) -> None:
    """Write and test the config, start nginx and wait for its /health."""
    write_config(settings)
    pid = processes.start(settings, NAME, _command(settings))
    processes.wait_until(
        lambda: check(settings) is None,
        timeout=20,
        what="nginx",
        log=processes.log_file(settings, NAME),
        alive=lambda: processes.is_alive(pid),
    )


COMPONENT = Component(name=NAME, marker=marker, start=start, check=check, stop_timeout=15)
