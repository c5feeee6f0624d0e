"""GET /dashboard and its assets: the live dashboard's static page (no build step).

The page holds no data: it signs in against the auth service and calls the API with a
bearer token, so it is served without one. Only the files listed here are served (read once
at start), with a content security policy that allows scripts and calls to this origin only.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web as aioweb
from faust.web import Blueprint

from web.auth import public
from web.problems import ProblemError
from web.views import ApiView

STATIC = Path(__file__).resolve().parent / "static" / "dashboard"
CONTENT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
}
INDEX = "index.html"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Revalidate every time: a new release must not run beside an old cached script.
    "Cache-Control": "no-cache",
}


def load_assets(folder: Path = STATIC) -> dict[str, tuple[bytes, str]]:
    """Every servable file of the folder by name, with its content type."""
    return {
        path.name: (path.read_bytes(), CONTENT_TYPES[path.suffix])
        for path in sorted(folder.iterdir())
        if path.is_file() and path.suffix in CONTENT_TYPES
    }


def _answer(asset: tuple[bytes, str]) -> aioweb.Response:
    body, content_type = asset
    return aioweb.Response(
        body=body, content_type=content_type, charset="utf-8", headers=SECURITY_HEADERS
    )


def page_blueprint(assets: dict[str, tuple[bytes, str]] | None = None) -> Blueprint:
    files = load_assets() if assets is None else assets
    bp = Blueprint("dashboard-page")

    @bp.route("/dashboard", name="page")
    class Page(ApiView):
        @public("The live dashboard's page (sign-in happens in the page)")
        async def get(self, request: aioweb.Request) -> aioweb.Response:
            return _answer(files[INDEX])

    @bp.route("/dashboard/{asset}", name="asset")
    class Asset(ApiView):
        @public("The dashboard page's scripts, styles and texts")
        async def get(self, request: aioweb.Request, asset: str) -> aioweb.Response:
            found = files.get(asset)
            if found is None:
                raise ProblemError(404, "NOT_FOUND", "No such file.")
            return _answer(found)

    return bp
