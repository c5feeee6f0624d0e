"""The dashboard's page and files: served as listed, with a strict policy, and packaged."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from crm.settings import PROJECT_ROOT, Settings
from streams.app import aiohttp_app
from streams.services import build_app
from web.dashboard_page import STATIC, load_assets
from web.dashboard_summary import check_teams_found, wanted_teams
from web.problems import ProblemError


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    app = build_app(Settings(store="memory://", data_dir=tmp_path), "workflow")
    async with TestClient(TestServer(aiohttp_app(app))) as c:
        yield c


async def test_the_page_is_served_without_a_token_under_a_strict_policy(
    client: TestClient,
) -> None:
    resp = await client.get("/dashboard")
    assert resp.status == 200
    assert resp.content_type == "text/html"
    policy = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert '<script type="module" src="/dashboard/app.js">' in await resp.text()


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("app.js", "text/javascript"), ("style.css", "text/css"), ("i18n.json", "application/json")],
)
async def test_its_files_are_served_with_their_types(
    client: TestClient, name: str, content_type: str
) -> None:
    resp = await client.get(f"/dashboard/{name}")
    assert (resp.status, resp.content_type) == (200, content_type)


@pytest.mark.parametrize("name", ["nope.js", "..%2Fdashboard_page.py", "%2E%2E"])
async def test_anything_else_is_a_problem_404(client: TestClient, name: str) -> None:
    resp = await client.get(f"/dashboard/{name}")
    assert resp.status == 404
    assert resp.content_type == "application/problem+json"


async def test_the_data_needs_a_token(client: TestClient) -> None:
    for path in ("/api/dashboard/summary", "/api/dashboard/events"):
        resp = await client.get(path)
        assert resp.status == 401, path


def test_every_file_the_page_loads_is_served_and_packaged() -> None:
    assets = load_assets()
    html = assets["index.html"][0].decode()
    scripts = {p.name for p in STATIC.glob("*.js")}
    assert scripts <= set(assets)
    assert {"index.html", "style.css", "i18n.json"} <= set(assets)
    assert "/dashboard/style.css" in html
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    assert "static/dashboard/*" in pyproject["tool"]["setuptools"]["package-data"]["web"]


@pytest.mark.parametrize(
    ("query", "wanted"),
    [([], None), (["A"], ["A"]), (["A,B", "B", " C "], ["A", "B", "C"]), ([","], None)],
)
def test_teams_asked_for(query: list[str], wanted: list[str] | None) -> None:
    assert wanted_teams(query) == wanted


def test_too_many_teams_is_a_400() -> None:
    with pytest.raises(ProblemError) as err:
        wanted_teams([",".join(f"T{i}" for i in range(51))])
    assert (err.value.status, err.value.field) == (400, "team")


def test_a_team_out_of_view_is_not_found_whether_it_exists_or_not() -> None:
    check_teams_found(None, [])
    check_teams_found(["A"], ["A", "B"])
    with pytest.raises(ProblemError) as err:
        check_teams_found(["A", "Z"], ["A"])
    assert (err.value.status, err.value.code) == (404, "TEAM_NOT_FOUND")
