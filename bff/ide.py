"""GraphiQL (DEBUG only), served with its browser files from this server, never from a CDN.

The files come from the npm packages pinned in ``bff/graphiql/package-lock.json``, which
``scripts/bootstrap`` installs with ``npm ci``; only the files named below are served.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

HERE = Path(__file__).resolve().parent / "graphiql"
PACKAGES = HERE / "node_modules"
ASSETS = {
    "graphiql.min.css": "graphiql/graphiql.min.css",
    "graphiql.min.js": "graphiql/graphiql.min.js",
    "react.production.min.js": "react/umd/react.production.min.js",
    "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
}
NOT_INSTALLED = (
    "<!doctype html><title>GraphiQL</title><p>GraphiQL's files are not installed: "
    "run <code>scripts/bootstrap</code> (it needs npm).</p>"
)


def installed() -> bool:
    return all((PACKAGES / path).is_file() for path in ASSETS.values())


def page() -> HTMLResponse:
    if not installed():
        return HTMLResponse(NOT_INSTALLED, status_code=503)
    return HTMLResponse((HERE / "page.html").read_text(encoding="utf-8"))


async def asset(request: Request) -> Response:
    path = ASSETS.get(request.path_params["name"])
    if path is None or not (PACKAGES / path).is_file():
        return PlainTextResponse("Not Found", status_code=404)
    return FileResponse(PACKAGES / path, headers={"cache-control": "public, max-age=86400"})


def ide_routes() -> list[Route]:
    return [Route("/graphiql/{name}", asset)]
