"""Fetch what the runtime needs: Debian packages when missing, Kafka and Debezium jars (cached)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from crm.settings import Settings
from runtime.processes import RuntimeStartError

HERE = Path(__file__).resolve().parent
KAFKA_POM = HERE / "kafka" / "pom.xml"
DEBEZIUM_POM = HERE / "debezium" / "pom.xml"
# Each becomes its own plugin folder jars/plugins/debezium-connector-<name>.
DEBEZIUM_CONNECTORS = ("postgres", "mysql")

# Debian package -> a binary (or, for data such as a font, an absolute path) proving it is
# installed; alternatives are tried in order.
PACKAGE_PROBES: dict[str, tuple[str, tuple[str, ...]]] = {
    "postgresql": ("initdb", ("postgresql",)),
    "nginx": ("nginx", ("nginx-light", "nginx")),
    # The PDF receipts' Unicode font (web/receipt_pdf.py).
    "fonts-dejavu-core": (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        ("fonts-dejavu-core",),
    ),
    # The headless browser and its WebDriver that the dashboard's end-to-end test drives
    # (tests/integration/test_dashboard.py); Debian's, since nothing else may be downloaded.
    "chromium": ("chromium", ("chromium",)),
    "chromium-driver": ("chromedriver", ("chromium-driver",)),
}
# What the browser tests need; a test installs them (`make test` runs the tests as root).
TEST_BROWSER = ("chromium", "chromium-driver")


def jars_dir(settings: Settings) -> Path:
    return settings.data_dir / "jars"


def kafka_classpath(settings: Settings) -> str:
    return str(jars_dir(settings) / "kafka" / "*")


def plugins_dir(settings: Settings) -> Path:
    return jars_dir(settings) / "plugins"


def postgres_bin_dir() -> Path | None:
    """Find the newest Debian PostgreSQL server binaries (they are not on PATH)."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return candidates[-1].parent if candidates else None


def _has(probe: str) -> bool:
    if probe == "initdb":
        return postgres_bin_dir() is not None
    if Path(probe).is_absolute():
        return Path(probe).exists()
    return shutil.which(probe) is not None or shutil.which(probe, path="/usr/sbin") is not None


def ensure_debian_packages(names: Sequence[str], *, recommends: bool = True) -> None:
    """Install the named packages with apt-get unless their binary is already present."""
    updated = False
    # Without recommends a headless browser leaves out desktop parts (upower, xdg-utils …).
    extra = [] if recommends else ["--no-install-recommends"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for name in names:
        probe, alternatives = PACKAGE_PROBES.get(name, (name, (name,)))
        if _has(probe):
            continue
        if not updated:
            print("apt-get update…", flush=True)
            subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
            updated = True
        for package in alternatives:
            print(f"installing {package}…", flush=True)
            command = ["apt-get", "install", "-y", "-q", *extra, package]
            result = subprocess.run(command, env=env)
            if result.returncode == 0 and _has(probe):
                break
        else:
            raise RuntimeError(f"could not install any of {alternatives} with apt-get")


def ensure_test_browser() -> None:
    """Chromium and chromedriver for the browser tests; quick when both are installed."""
    ensure_debian_packages(TEST_BROWSER, recommends=False)


def _fingerprint(pom: Path, *extra: str) -> str:
    digest = hashlib.sha256(pom.read_bytes())
    for item in extra:
        digest.update(item.encode())
    return digest.hexdigest()[:16]


def _resolve(settings: Settings, pom: Path, out: Path, what: str, props: dict[str, str]) -> None:
    """Copy a pom's runtime dependencies into out, unless the same pom already filled it."""
    stamp = _fingerprint(pom, *sorted(f"{k}={v}" for k, v in props.items()))
    marker = out / f".resolved-{stamp}"
    if marker.exists():
        return
    print(f"resolving {what} jars…", end=" ", flush=True)
    started = time.monotonic()
    # A changed pom must not leave stale jars beside the new ones on the classpath.
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    log = settings.log_dir / "maven.log"
    command = ["mvn", "-B", "-f", str(pom), "dependency:copy-dependencies"]
    command += [f"-DoutputDirectory={out}", "-DincludeScope=runtime"]
    command += [f"-D{k}={v}" for k, v in props.items()]
    with log.open("ab") as sink:
        result = subprocess.run(command, stdout=sink, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        print("failed", flush=True)
        raise RuntimeStartError(f"Maven could not resolve {what} jars", log)
    marker.touch()
    print(f"done in {time.monotonic() - started:.0f}s", flush=True)


def ensure_jars(settings: Settings) -> None:
    """Resolve Kafka and the Debezium plugins from Maven Central into data_dir/jars (cached)."""
    if shutil.which("mvn") is None:
        raise RuntimeError("Maven (mvn) is not installed; it fetches the Kafka jars")
    jars = jars_dir(settings)
    _resolve(
        settings, KAFKA_POM, jars / "kafka", "Kafka", {"kafka.version": settings.kafka_version}
    )
    for connector in DEBEZIUM_CONNECTORS:
        _resolve(
            settings,
            DEBEZIUM_POM,
            plugins_dir(settings) / f"debezium-connector-{connector}",
            f"Debezium {connector}",
            {"debezium.connector": connector},
        )
