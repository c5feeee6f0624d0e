"""What the API benchmarks share: a staff token from the running stack."""

from __future__ import annotations

import aiohttp


async def admin_token(api: str, password: str) -> str:
    """Logs the embedded administrator in through nginx, as a client of the API would."""
    async with (
        aiohttp.ClientSession() as s,
        s.post(f"{api}/api/auth/login", json={"username": "admin", "password": password}) as r,
    ):
        r.raise_for_status()
        body = await r.json()
        return str(body["accessToken"])
