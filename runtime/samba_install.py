"""Install the Debian packages of a Samba AD DC without letting the distribution start it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

# samba-ad-provision holds the provisioning templates, samba-dsdb-modules the directory's
# LDB modules, samba-vfs-modules the acl_xattr module provisioning sets on sysvol.
PACKAGES = ("samba", "samba-ad-provision", "samba-dsdb-modules", "samba-vfs-modules")
POLICY_RC_D = Path("/usr/sbin/policy-rc.d")
# Debian's own "deny every service start" answer (see invoke-rc.d(8)).
DENY_ALL = "#!/bin/sh\n# Temporary, from runtime/samba_install.py: no service starts.\nexit 101\n"


def missing_packages() -> list[str]:
    """Return the packages of PACKAGES dpkg does not report installed."""
    missing = []
    for package in PACKAGES:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True
        )
        if "install ok installed" not in result.stdout:
            missing.append(package)
    return missing


def ensure_packages() -> None:
    """apt-get install what is missing; the postinst must not start smbd/nmbd/samba-ad-dc."""
    missing = missing_packages()
    if not missing:
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # Without a policy the postinst scripts start the distribution's daemons, which would
    # take port 389 and use /etc/samba; a temporary policy-rc.d forbids that.
    added = not POLICY_RC_D.exists()
    if added:
        POLICY_RC_D.write_text(DENY_ALL)
        POLICY_RC_D.chmod(0o755)
    try:
        print(f"installing {' '.join(missing)}…", flush=True)
        command = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing]
        if subprocess.run(command, env=env).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
            subprocess.run(command, check=True, env=env)
    finally:
        if added:
            POLICY_RC_D.unlink(missing_ok=True)
    still = missing_packages()
    if still:
        raise RuntimeError(f"could not install {' '.join(still)} with apt-get")
