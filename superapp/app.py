"""The ASGI app as uvicorn and the tests start it: the HTTP layer given every domain service."""

from __future__ import annotations

import multiprocessing

from starlette.applications import Starlette

from bff import app as bff_app
from infra.process import end_with_parent
from infra.settings import Settings
from miniprograms.parks.graphql.http import parks_routes
from superapp.runtime import running
from superapp.schema import shared_schema
from miniprograms.etc.graphql.openapi import etc_routes


def create_app(settings: Settings | None = None, **options) -> Starlette:
    """``uvicorn superapp.app:create_app --factory``; options go to ``bff.app.create_app``."""
    _end_with_supervisor()
    settings = settings or Settings.from_env()
    if options.get("schema") is None:
        options["schema"] = shared_schema(settings)  # with the bank's own mini-programs' roots
    # The first-party apps' own HTTP routes (photo renditions) join here, above the transport.
    options["extra_routes"] = [*parks_routes(), *(options.get("extra_routes") or ())]
    options["extra_routes"] = [*etc_routes(), *(options.get("extra_routes") or ())]  # ETC's open-API endpoints
    return bff_app.create_app(settings, services=running, **options)


def _end_with_supervisor() -> None:
    """A worker of ``serve --workers N`` stops when its supervisor dies, even by SIGKILL: an
    orphaned worker would go on serving the port, and take over the embedded Redis."""
    supervisor = multiprocessing.parent_process()
    if supervisor is not None and not end_with_parent(supervisor.pid):
        raise SystemExit("the supervising process has gone")
