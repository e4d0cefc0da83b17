"""The ASGI app as uvicorn and the tests start it: the HTTP layer given every domain service."""

from __future__ import annotations

import multiprocessing

from starlette.applications import Starlette

from bff import app as bff_app
from infra.process import end_with_parent
from infra.settings import Settings
from superapp.runtime import running
from superapp.schema import build_schema


def create_app(settings: Settings | None = None, **options) -> Starlette:
    """``uvicorn superapp.app:create_app --factory``; options go to ``bff.app.create_app``."""
    _end_with_supervisor()
    settings = settings or Settings.from_env()
    options.setdefault("schema", build_schema(settings))  # with the bank's own mini-programs' roots
    return bff_app.create_app(settings, services=running, **options)


def _end_with_supervisor() -> None:
    """A worker of ``serve --workers N`` stops when its supervisor dies, even by SIGKILL: an
    orphaned worker would go on serving the port, and take over the embedded Redis."""
    supervisor = multiprocessing.parent_process()
    if supervisor is not None and not end_with_parent(supervisor.pid):
        raise SystemExit("the supervising process has gone")
