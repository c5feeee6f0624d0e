"""What the API benchmarks share: staff tokens from the running stack."""

from __future__ import annotations

import aiohttp


async def user_token(api: str, username: str, password: str) -> tuple[str, str]:
    """Log a demo user in through nginx, as a client would; (access token, user id)."""
    async with (
        aiohttp.ClientSession() as s,
        s.post(f"{api}/api/auth/login", json={"username": username, "password": password}) as r,
    ):
        r.raise_for_status()
        body = await r.json()
        return str(body["accessToken"]), str(body["user"]["id"])


async def admin_token(api: str, password: str) -> str:
    """The embedded administrator's access token."""
    token, _ = await user_token(api, "admin", password)
    return token
