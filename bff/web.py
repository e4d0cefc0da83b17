"""The customer H5 app and the consoles (web/, built by scripts/bootstrap into web/dist): their
pages at ``/`` and ``/console`` and their hashed assets under ``/app/``. Without a build (no npm
on the machine) the pages say so.

The page runs under a CSP that lets it reach this origin alone: no CDN, no inline script.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from infra.i18n import t

WEB_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
REGISTERED_OPERATIONS = WEB_DIST / "persisted-operations.json"  # web/persisted.mjs, at build time
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")


def _page(name: str):
    async def serve(request: Request) -> Response:
        return _html(WEB_DIST / name)

    return serve


def _html(page: Path) -> Response:
    if not page.is_file():
        return PlainTextResponse(t("bff.web_not_built"), status_code=404)
    # The page names its hashed assets, so it alone must be revalidated.
    return FileResponse(page, media_type="text/html", headers={
        "cache-control": "no-cache", "content-security-policy": CSP, "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer"})


class _ImmutableAssets(StaticFiles):
    async def get_response(self, path: str, scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["cache-control"] = "public, max-age=31536000, immutable"
        return response


def web_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = [Route("/", _page("index.html"), methods=["GET"]),
                               Route("/console", _page("console.html"), methods=["GET"])]
    if (WEB_DIST / "assets").is_dir():
        routes.append(Mount("/app/assets", _ImmutableAssets(directory=WEB_DIST / "assets"), name="web-assets"))
    return routes
