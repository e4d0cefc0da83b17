"""The ASGI app as uvicorn and the tests start it: the HTTP layer given every domain service."""

from __future__ import annotations

from starlette.applications import Starlette

from bff import app as bff_app
from infra.settings import Settings
from superapp.runtime import running


def create_app(settings: Settings | None = None, **options) -> Starlette:
    """``uvicorn superapp.app:create_app --factory``; options go to ``bff.app.create_app``."""
    return bff_app.create_app(settings or Settings.from_env(), services=running, **options)
