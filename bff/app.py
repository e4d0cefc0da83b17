"""create_app(settings, services=...) -> Starlette. Nothing runs at import time.

The app is given its services: ``services(settings)`` is an async context manager that
yields a ``bff.services.Runtime`` for the app's lifetime. The composition root
(``superapp.app``) passes the one that builds every domain.
"""

from __future__ import annotations

import contextlib
import gc
import hmac
import os
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from bff.i18n import i18n_routes
from bff.web import web_routes
from bff.clearing.http import clearing_routes
from bff.content.http import content_routes
from bff.ide import ide_routes
from bff.ledger.http import statement_routes
from bff.middleware import BodyCap, BodyTimeout, RequestPipeline
from bff.miniprogram.http import miniprogram_routes
from bff.miniprogram_runtime.bank_operations import attach as attach_bank_operations
from bff.miniprogram_runtime.http import bridge_routes
from bff.openapi.routes import openapi_routes
from bff.schema import build_schema
from bff.tracking.http import track_batch
from bff.tracking.segment_http import segment_routes
from bff.view import GraphQLEndpoint, error_response
from infra import db
from infra.i18n import t
from infra.logs import configure_logging
from miniprogram_host.config import HostConfig
from bff.services import Runtime
from infra.settings import Settings

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "worker": os.getpid()})


async def readyz(request: Request) -> JSONResponse:
    runtime = request.app.state.runtime
    checks = {"database": await db.database_ready()}
    try:
        checks["redis"] = bool(await runtime.redis.ping())
    except Exception:  # noqa: BLE001 - readiness reports any failure as not ready
        checks["redis"] = False
    ready = all(checks.values())
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


async def metrics(request: Request) -> Response:
    """Prometheus text, only for a scraper holding METRICS_TOKEN (refused while it is unset)."""
    expected = request.app.state.settings.metrics_token
    if expected is None:
        return error_response("METRICS_DISABLED", t("bff.metrics_disabled"), 403)
    scheme, _, offered = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(offered.strip().encode(), str(expected).encode()):
        response = error_response("UNAUTHENTICATED", t("bff.metrics_token"), 401)
        response.headers["www-authenticate"] = 'Bearer realm="metrics"'
        return response
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # `serve --workers N`: add up all workers
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def body_caps(settings: Settings) -> tuple[BodyCap, ...]:
    """Routes that take uploads larger than MAX_BODY_BYTES, each capped by its own setting."""
    packages = HostConfig.from_settings(settings).limits
    return (
        BodyCap("/mp/apps/", packages.archive_bytes, "MP_MAX_ARCHIVE_BYTES"),
        BodyCap("/graphql", settings.max_upload_bytes, "MAX_UPLOAD_BYTES", multipart_only=True),
    )


def _settle_garbage_collector() -> None:
    """Move start-up objects (modules, schema, models, engines) out of the collector's sight.

    Full collections otherwise walk all of them and pause a worker for tens of milliseconds,
    which is what set the p99 of GraphQL requests. The young-generation threshold stays at
    CPython's default on purpose: measured here, a young collection costs far more than
    linearly in its size (0.3 ms at 700 objects, 2 ms at 5,000, 44 ms at 50,000), so larger
    thresholds trade throughput for worse tail latency.
    """
    gc.collect()
    gc.freeze()


def middleware(settings: Settings) -> list[Middleware]:
    """What every request passes through before its route (``bench/middleware_cost.py`` times it)."""
    return [
        Middleware(
            RequestPipeline,
            max_body_bytes=settings.max_body_bytes,
            body_caps=body_caps(settings),
            body_timeout=BodyTimeout(settings.body_timeout_seconds, settings.body_min_bytes_per_second),
            retry_after_seconds=settings.redis.retry_after_seconds,
        ),
    ]


Services = Callable[[Settings], AbstractAsyncContextManager[Runtime]]


def create_app(
    settings: Settings,
    *,
    services: Services,
    schema=None,
    extra_routes: list | None = None,
) -> Starlette:
    """The app; ``schema`` and ``extra_routes`` let benchmarks add what they compare."""
    configure_logging(settings.log_level)
    schema = schema or build_schema(settings)
    graphql = GraphQLEndpoint(schema, debug=settings.debug, max_json_depth=settings.max_json_depth)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        async with services(settings) as runtime:
            attach_bank_operations(runtime, schema)
            app.state.runtime = runtime
            _settle_garbage_collector()
            yield

    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics),
        *miniprogram_routes(),
        *bridge_routes(),
        *openapi_routes(),
        *statement_routes(),
        Route("/track/batch", track_batch, methods=["POST"]),
        *segment_routes(),
        *i18n_routes(),
        *clearing_routes(settings),
        *content_routes(),
        *(ide_routes() if settings.debug else ()),
        *web_routes(),
        *(extra_routes or ()),
    ]
    if STATIC_DIR.is_dir():
        routes.append(Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"))
    app = Starlette(
        debug=settings.debug,
        routes=routes,
        middleware=middleware(settings),
        lifespan=lifespan,
    )
    app.state.settings = settings
    return app
