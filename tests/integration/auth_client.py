"""Log in as the demo directory's users through nginx, as a browser would."""

from __future__ import annotations

from typing import Any

import aiohttp
import yaml

from crm.settings import Settings


def demo_password(settings: Settings, username: str) -> str:
    """The demo-only password of a user from runtime/directory/demo.yaml."""
    data = yaml.safe_load(settings.ad_demo_config.read_text())
    for user in data["users"]:
        if user["username"] == username:
            password: str = user["password"]
            return password
    raise KeyError(username)


async def login(api: str, username: str, password: str) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as s,
        s.post(f"{api}/api/auth/login", json={"username": username, "password": password}) as r,
    ):
        return r.status, await r.json()


async def token_for(api: str, settings: Settings, username: str) -> dict[str, Any]:
    """Log a demo user in and return the whole grant (access and refresh tokens)."""
    name = username.split("@")[0].split("\\")[-1].lower()
    status, body = await login(api, username, demo_password(settings, name))
    assert status == 200, body
    return body


async def call(
    method: str,
    url: str,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> tuple[int, Any]:
    headers = {**(headers or {}), **({"Authorization": f"Bearer {token}"} if token else {})}
    async with aiohttp.ClientSession() as s, s.request(method, url, headers=headers, **kwargs) as r:
        body = await r.json() if r.content_type.endswith("json") else {}
        return r.status, body
