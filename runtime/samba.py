"""Samba AD domain controller of the runtime: a real Active Directory on 127.0.0.1:389."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from ldap3 import BASE, Connection, Server
from ldap3.core.exceptions import LDAPException

from crm.settings import Settings
from runtime import processes
from runtime.component import Component
from runtime.ownership import child_env
from runtime.samba_directory import demo_directory, write_secret
from runtime.samba_install import ensure_packages

NAME = "samba"
HOST_NAME = "crmdc"
# The samba Python bindings are packaged for Debian's interpreter only; -I keeps runtime/
# (where samba.py would shadow the bindings) off its sys.path.
SYSTEM_PYTHON = "/usr/bin/python3"
SEED_SCRIPT = Path(__file__).resolve().parent / "samba_seed.py"


def root(settings: Settings) -> Path:
    return settings.data_dir / "samba"


def conf_path(settings: Settings) -> Path:
    return root(settings) / "smb.conf"


def sam_path(settings: Settings) -> Path:
    return root(settings) / "private" / "sam.ldb"


def _stamp(settings: Settings) -> Path:
    return root(settings) / ".provisioned"


def admin_password(settings: Settings) -> str:
    """The domain Administrator's password, generated once into the secrets folder."""
    return write_secret(settings, "ad-admin-password")


def _config(settings: Settings) -> str:
    home = root(settings)
    return (
        "# Written by runtime/samba.py on every start; edits are lost.\n"
        "[global]\n"
        f"netbios name = {HOST_NAME.upper()}\n"
        f"workgroup = {settings.ad_domain}\n"
        f"realm = {settings.ad_realm}\n"
        "server role = active directory domain controller\n"
        # The CRM only needs LDAP; no DNS, NetBIOS, KDC or SMB means no clash on 53/88/137/445.
        "server services = ldap\n"
        "dns proxy = no\n"
        # IPv4 loopback only: the demo directory is never reachable from the network.
        "interfaces = 127.0.0.1/8\n"
        "bind interfaces only = yes\n"
        # Loopback demo only: allows plain simple binds; a real AD is reached with StartTLS.
        "ldap server require strong auth = no\n"
        f"private dir = {home / 'private'}\n"
        f"state directory = {home / 'state'}\n"
        f"cache directory = {home / 'cache'}\n"
        f"lock directory = {home / 'lock'}\n"
        f"binddns dir = {home / 'bind-dns'}\n"
        # samba's own PID file: also its guard against a second instance on this directory.
        f"pid directory = {home / 'run'}\n"
        f"log file = {settings.log_dir / 'samba.%m.log'}\n"
        "log level = 1\n"
    )


def _run_seed(settings: Settings, job: Mapping[str, object], what: str) -> None:
    """Run samba_seed.py with the job (and its secrets) on stdin, output to the log."""
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    log = processes.log_file(settings, NAME)
    with log.open("ab") as sink:
        result = subprocess.run(
            [SYSTEM_PYTHON, "-I", str(SEED_SCRIPT)],
            input=json.dumps(job).encode(),
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=root(settings),
        )
    if result.returncode != 0:
        raise processes.RuntimeStartError(f"Samba {what} failed", log)


def provision(settings: Settings) -> None:
    """Provision the domain once; a half-finished earlier attempt is wiped first."""
    home = root(settings)
    identity = f"{settings.ad_realm} {settings.ad_domain}\n"
    stamp = _stamp(settings)
    if stamp.exists():
        if stamp.read_text() != identity:
            raise RuntimeError(f"{home} holds another domain ({stamp.read_text().strip()})")
        return
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True, mode=0o700)
    # An empty config keeps /etc/samba/smb.conf out of the provisioned domain.
    empty = home / "provision.conf"
    empty.write_text("")
    print(f"samba: provisioning {settings.ad_realm} in {home}…", flush=True)
    job = {
        "provision": {
            "empty_conf": str(empty),
            "targetdir": str(home),
            "realm": settings.ad_realm,
            "domain": settings.ad_domain,
            "host_name": HOST_NAME,
            "admin_password": admin_password(settings),
        }
    }
    _run_seed(settings, job, "provisioning")
    stamp.write_text(identity)


def prepare(settings: Settings) -> None:
    """Provision if needed, write our smb.conf and apply the demo directory."""
    provision(settings)
    for sub in ("state", "cache", "lock", "bind-dns", "run"):
        (root(settings) / sub).mkdir(exist_ok=True)
    conf_path(settings).write_text(_config(settings))
    groups, users = demo_directory(settings)
    seed = {"conf": str(conf_path(settings)), "sam": str(sam_path(settings))}
    seed["admin_password"] = admin_password(settings)
    _run_seed(settings, {"seed": {**seed, "groups": groups, "users": users}}, "directory setup")


def _port_open(settings: Settings) -> bool:
    try:
        with socket.create_connection((settings.ldap_host, settings.ldap_port), timeout=2):
            return True
    except OSError:
        return False


def check(settings: Settings) -> str | None:
    """None when LDAP answers an anonymous rootDSE read naming our base DN."""
    if not _port_open(settings):
        return f"no LDAP on {settings.ldap_host}:{settings.ldap_port}"
    server = Server(settings.ldap_host, port=settings.ldap_port, connect_timeout=3)
    try:
        with Connection(server, receive_timeout=5) as conn:
            conn.search("", "(objectClass=*)", BASE, attributes=["defaultNamingContext"])
            entries = conn.entries
    except LDAPException as exc:
        return f"rootDSE read failed: {exc}"
    naming = str(entries[0]["defaultNamingContext"]) if entries else ""
    if naming.lower() != settings.ldap_base_dn.lower():
        return f"serves {naming or 'no naming context'}, expected {settings.ldap_base_dn}"
    return None


def _adopt(settings: Settings) -> bool:
    """Record a healthy samba already serving our directory (started by a parallel `up`)."""
    try:
        pid = int((root(settings) / "run" / "samba.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    if not processes.pid_matches(pid, "samba") or check(settings) is not None:
        return False
    processes.record_pid(settings, NAME, pid)
    print(f"adopted running samba (pid {pid})…", end=" ", flush=True)
    return True


def start(settings: Settings) -> None:
    """Install, provision and seed as needed, then run samba in the foreground."""
    if _port_open(settings) and _adopt(settings):
        return
    # samba's worker processes outlive a stopped master by a moment and keep port 389 open.
    deadline = time.monotonic() + 20
    while _port_open(settings) and time.monotonic() < deadline:
        time.sleep(0.3)
    if _port_open(settings):
        raise processes.RuntimeStartError(
            f"{settings.ldap_host}:{settings.ldap_port} is taken by another LDAP server "
            "(a distribution samba-ad-dc or slapd?)"
        )
    ensure_packages()
    prepare(settings)
    command = ["samba", "--foreground", "--no-process-group", "--debug-stdout"]
    command += ["-s", str(conf_path(settings))]
    pid = processes.start(settings, NAME, command, env=child_env(settings), cwd=root(settings))
    try:
        processes.wait_until(
            lambda: check(settings) is None,
            timeout=60,
            what="Samba AD",
            log=processes.log_file(settings, NAME),
            alive=lambda: processes.is_alive(pid),
        )
    except processes.RuntimeStartError:
        # Two `up`s racing: ours exits ("samba is already running"), the other one serves.
        if not _adopt(settings):
            raise


def marker(settings: Settings) -> str:
    # samba rewrites its command line to "samba: root process", so only the name survives;
    # the PID file is what makes the process ours.
    return "samba"


COMPONENT = Component(name=NAME, marker=marker, start=start, check=check)
