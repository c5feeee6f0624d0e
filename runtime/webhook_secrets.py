"""The payment webhook's per-channel secrets for the embedded runtime, generated once."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from crm.settings import Settings
from security.webhook_signature import GATEWAY_CHANNELS

SECRET_BYTES = 32


def ensure_webhook_secrets(settings: Settings) -> list[Path]:
    """Create a secret file (mode 600) for every gateway channel that has none; return them."""
    folder = settings.payment_webhook_secrets_path
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    created = []
    for channel in GATEWAY_CHANNELS:
        path = folder / channel.value
        try:
            # O_EXCL: an existing file (a deployment's own, or one mid-rotation) is never touched.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(SECRET_BYTES) + "\n")
        created.append(path)
    return created
