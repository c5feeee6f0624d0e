"""docker-compose.yml and docker/nginx.conf describe a valid, scalable topology."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from crm.settings import PROJECT_ROOT, SERVICES, ServiceName, Settings

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
NGINX_CONF = PROJECT_ROOT / "docker" / "nginx.conf"
# The compose deployment's nginx and the embedded runtime's must route alike.
BOTH_NGINX_CONFS = pytest.mark.parametrize(
    "path", [NGINX_CONF, PROJECT_ROOT / "runtime" / "nginx.conf.tmpl"], ids=["docker", "runtime"]
)
INFRA = ("kafka", "connect", "postgres", "init", "nginx")
# Which service owns each /api/<prefix>: the contract nginx must implement.
OWNER: dict[str, ServiceName] = {
    "sync": "sync",
    "customers": "sync",
    "loans": "sync",
    "payments": "payments",
    "agents": "workflow",
    "teams": "workflow",
    "promises": "workflow",
    "strategies": "workflow",
    "actions": "workflow",
    "assignments": "workflow",
    "cases": "workflow",
    "queues": "workflow",
    "dashboard": "workflow",
    "auth": "auth",
    "users": "auth",
    "roles": "auth",
    "audit": "auth",
}
# Values compose must be given from outside; the test supplies throwaway ones.
REQUIRED_ENV = {
    "CRM_PG_PASSWORD": "compose-config-check-only",
    "CRM_LDAP_SERVICE_PASSWORD": "compose-config-check-only",
}
SECRET_KEY = re.compile(r"PASSWORD|SECRET|TOKEN", re.IGNORECASE)
INTERPOLATION = re.compile(r"^\$\{[A-Z_][A-Z0-9_]*(:?[?-][^}]*)?\}$")


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return data


def _services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = _compose()["services"]
    return services


def _docker_compose_available() -> bool:
    try:
        probe = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, timeout=30, check=False
        )
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def _nginx_routes() -> dict[str, str]:
    """Map each routed /api prefix to the `host:port` nginx sends it to."""
    text = NGINX_CONF.read_text()
    blocks = re.findall(r"location ~ \^/api/\(([^)]*)\)\(/\|\$\) \{(.*?)\}", text, re.DOTALL)
    routes: dict[str, str] = {}
    for alternatives, body in blocks:
        target = re.search(r"set \$upstream ([\w.-]+:\d+);", body)
        assert target, f"no upstream in the block for {alternatives}"
        for prefix in alternatives.split("|"):
            assert prefix not in routes, f"/api/{prefix} is routed twice"
            routes[prefix] = target.group(1)
    return routes


def test_required_variables_are_the_ones_supplied_and_compose_accepts_the_file() -> None:
    required = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*):\?", COMPOSE_FILE.read_text()))
    assert required == set(REQUIRED_ENV)
    if _docker_compose_available():
        check = subprocess.run(
            ["docker", "compose", "-f", str(COMPOSE_FILE), "config", "-q"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, **REQUIRED_ENV},
        )
        assert check.returncode == 0, check.stderr


def test_every_part_of_the_topology_is_declared_with_an_image_or_a_build() -> None:
    services = _services()
    assert set(services) == set(INFRA) | set(SERVICES) | {"payments-intake"}
    for name, service in services.items():
        assert service.get("image") or service.get("build"), name
    assert services["kafka"]["image"] == "apache/kafka:4.1.1"
    assert services["kafka"]["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert "wal_level=logical" in " ".join(services["postgres"]["command"])


@pytest.mark.parametrize("service", [*SERVICES, "payments-intake", "init"])
def test_app_services_share_one_image_reach_kafka_and_postgres_and_scale(service: str) -> None:
    spec = _services()[service]
    assert spec["build"]["dockerfile"] == "docker/Dockerfile"
    assert spec["environment"]["CRM_KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert spec["environment"]["CRM_PG_HOST"] == "postgres"
    # A host port or a fixed container name makes `--scale` fail.
    assert "ports" not in spec
    assert "container_name" not in spec


@pytest.mark.parametrize("service", SERVICES)
def test_workers_start_after_init_and_run_their_own_service(service: str) -> None:
    spec = _services()[service]
    assert spec["command"] == ["crm", "worker", service]
    assert spec["depends_on"]["init"]["condition"] == "service_completed_successfully"
    # Inside a container the web server must listen beyond loopback for nginx to reach it.
    assert spec["environment"]["CRM_WEB_HOST"] == "0.0.0.0"  # noqa: S104
    assert "healthcheck" in spec


def test_nginx_is_the_only_published_port_and_mounts_the_checked_config() -> None:
    services = _services()
    published = {name: spec["ports"] for name, spec in services.items() if "ports" in spec}
    assert published == {"nginx": ["8080:8080"]}
    assert "./docker/nginx.conf:/etc/nginx/nginx.conf:ro" in services["nginx"]["volumes"]
    assert re.search(r"^\s*listen 8080;", NGINX_CONF.read_text(), re.MULTILINE)


def test_every_api_prefix_goes_to_the_service_that_owns_it() -> None:
    settings = Settings()
    routes = _nginx_routes()
    assert set(routes) == set(OWNER)
    for prefix, target in routes.items():
        owner = OWNER[prefix]
        assert target == f"{owner}:{settings.web_port(owner)}", prefix


def test_no_secret_is_written_literally() -> None:
    for name, spec in _services().items():
        for key, value in (spec.get("environment") or {}).items():
            if SECRET_KEY.search(key) and not key.endswith("_FILE"):
                assert INTERPOLATION.match(str(value)), f"{name}.{key} holds a literal value"
    dockerfile = (PROJECT_ROOT / "docker" / "Dockerfile").read_text()
    assert not SECRET_KEY.search(dockerfile)


def test_paths_the_compose_file_mounts_or_builds_exist() -> None:
    root = Path(COMPOSE_FILE).parent
    for spec in _services().values():
        if "build" in spec:
            assert (root / spec["build"]["context"] / spec["build"]["dockerfile"]).is_file()
        for volume in spec.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (root / source).is_file(), source


def _exact_location(text: str, path: str) -> str:
    """The body of nginx's `location = path { … }`; the route must have a location of its own."""
    block = re.search(rf"location = {re.escape(path)} \{{(.*?)\}}", text, re.DOTALL)
    assert block, f"{path} needs a location of its own"
    return block.group(1)


@BOTH_NGINX_CONFS
def test_the_dashboard_stream_is_not_buffered_and_its_page_is_the_workflow_services(
    path: Path,
) -> None:
    text = path.read_text()
    body = _exact_location(text, "/api/dashboard/events")
    assert re.search(r"^\s*proxy_buffering off;", body, re.MULTILINE)
    timeout = re.search(r"proxy_read_timeout (\d+)([smh]);", body)
    assert timeout and int(timeout.group(1)) * {"s": 1, "m": 60, "h": 3600}[timeout.group(2)] > 60
    assert "workflow" in body
    # The page and its files go to the workflow service as well (a location of their own).
    page = re.findall(r"location (?:=|\^~|~) \^?/dashboard\S* \{([^}]*)\}", text)
    assert page and all("workflow" in body for body in page), page


@BOTH_NGINX_CONFS
def test_the_webhook_goes_to_the_intake_and_falls_back_to_the_payments_workers(
    path: Path,
) -> None:
    text = path.read_text()
    body = _exact_location(text, "/api/payments/notification")
    assert "intake" in body
    settings = Settings()
    intake, payments = settings.payments_intake_web_port, settings.web_port("payments")
    if path == NGINX_CONF:
        assert f"payments-intake:{intake}" in body
        assert "error_page 502 = @payments_webhook" in body
        fallback = re.search(r"location @payments_webhook \{(.*?)\}", text, re.DOTALL)
        assert fallback and f"payments:{payments}" in fallback.group(1)
    else:
        # Up to its keepalive line: the {{placeholders}} hold braces of their own.
        upstream = re.search(r"upstream payments_intake \{(.*?)keepalive", text, re.DOTALL)
        assert upstream
        assert "{{payments_intake_port}}" in upstream.group(1)
        assert re.search(r"server 127\.0\.0\.1:\{\{payments_port\}\} backup;", upstream.group(1))
