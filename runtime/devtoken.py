"""The development bearer token of the embedded runtime (never in production)."""

from __future__ import annotations

import os
import secrets

from crm.settings import Environment, Settings


def ensure_dev_token(settings: Settings) -> None:
    """Generate `secrets/dev-token` once, readable by root only; services read it at start."""
    if settings.environment is Environment.PRODUCTION or settings.dev_token is not None:
        return
    path = settings.data_dir / "secrets" / "dev-token"
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(32) + "\n")
