"""The demo directory: runtime/directory/demo.yaml plus the CRM's service account."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import yaml

from crm.settings import Settings

SERVICE_GROUP = "CRM-Service"
USER_KEYS = {"username", "password", "given_name", "surname", "display_name", "mail"}
USER_KEYS |= {"department", "groups", "enabled", "must_change_password"}


def write_secret(settings: Settings, name: str) -> str:
    """Return the secret in data_dir/secrets/<name>, generating it (mode 600) when missing."""
    path = settings.data_dir / "secrets" / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # The fixed "Ad-" prefix guarantees upper, lower and symbol for AD's complexity rule.
    value = "Ad-" + secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(value + "\n")
    return value


def service_account(settings: Settings) -> tuple[str, str]:
    """Return (sAMAccountName, password) of the account the CRM binds as."""
    user = settings.ldap_service_user.split("@")[0].split("\\")[-1]
    if settings.ldap_service_password is not None:
        return user, settings.ldap_service_password.get_secret_value()
    if settings.ldap_service_password_file is not None:
        return user, Path(settings.ldap_service_password_file).read_text().strip()
    return user, write_secret(settings, "ad-service-password")


def load_demo(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Read and check the demo file; return (groups, users)."""
    data = yaml.safe_load(path.read_text()) or {}
    groups: list[dict[str, Any]] = list(data.get("groups") or [])
    users: list[dict[str, Any]] = list(data.get("users") or [])
    names = {g["name"] for g in groups}
    for user in users:
        unknown = set(user) - USER_KEYS
        if unknown or not {"username", "password"} <= set(user):
            raise ValueError(f"{path}: user {user.get('username')!r}: bad keys {sorted(unknown)}")
        missing = set(user.get("groups") or []) - names
        if missing:
            raise ValueError(f"{path}: user {user['username']!r}: unknown groups {missing}")
    return groups, users


def demo_directory(settings: Settings) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Groups and users to apply: the demo file's, with defaults filled, plus svc-crm."""
    groups, users = load_demo(settings.ad_demo_config)
    domain = settings.ad_realm.lower()
    for user in users:
        user.setdefault("mail", f"{user['username']}@{domain}")
        default_name = f"{user.get('given_name', '')} {user.get('surname', '')}".strip()
        user.setdefault("display_name", default_name or user["username"])
    if SERVICE_GROUP not in {g["name"] for g in groups}:
        groups.append({"name": SERVICE_GROUP, "description": "CRM role SYSTEM"})
    name, password = service_account(settings)
    service = {"username": name, "password": password, "groups": [SERVICE_GROUP]}
    service |= {"display_name": "CRM service account", "department": "IT Operations"}
    users.append(service)
    return groups, users
