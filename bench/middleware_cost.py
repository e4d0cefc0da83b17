"""CPU per request of the BFF's middleware stack over bare Starlette, in one process.

The same tiny route is mounted on a bare ``Starlette`` and on one with ``bff.app.middleware``
(request id, language, body cap, metrics, access log, Redis-unavailable guard, database
context, bearer authentication); a minimal driver calls each ASGI app directly, many
times, and divides ``time.process_time`` by the count: load from other processes on the
machine does not enter the figure. Alternating rounds, the median kept.

Usage: .venv/bin/python bench/middleware_cost.py [--requests 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

from bff.app import middleware  # noqa: E402
from infra.logs import configure_logging  # noqa: E402
from infra.settings import Settings  # noqa: E402

BODY = b'{"query":"query Home { tiles { id } }"}'


async def ping(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def apps(settings: Settings) -> dict[str, Starlette]:
    routes = [Route("/graphql", ping, methods=["GET", "POST"])]
    bare = Starlette(routes=routes)
    stacked = Starlette(routes=routes, middleware=middleware(settings))
    stacked.state.runtime = SimpleNamespace(database=None)
    return {"bare": bare, "middleware": stacked}


def scope_of(method: str, headers: list[tuple[bytes, bytes]]) -> dict:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": "/graphql", "raw_path": b"/graphql", "query_string": b"",
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
    }


GET_HEADERS = [(b"host", b"127.0.0.1"), (b"accept", b"*/*"), (b"accept-language", b"zh-CN,zh;q=0.9")]
POST_HEADERS = [
    *GET_HEADERS, (b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode()),
]


async def drive(app, method: str, count: int) -> float:
    """CPU seconds per request for ``count`` requests through ``app``."""
    headers = POST_HEADERS if method == "POST" else GET_HEADERS
    request_message = {"type": "http.request", "body": BODY if method == "POST" else b"", "more_body": False}
    statuses: list[int] = []

    async def receive():
        return request_message

    async def send(message):
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    started = time.process_time()
    for _ in range(count):
        await app(scope_of(method, list(headers)), receive, send)
    elapsed = time.process_time() - started
    assert statuses == [200] * count, set(statuses)
    return elapsed / count


async def measure(requests: int, rounds: int, level: str) -> dict[tuple[str, str], float]:
    settings = Settings.from_env({"LOG_LEVEL": level})
    configure_logging(level, stream=_Discard())  # the access log is formatted and written, to nowhere
    built = apps(settings)
    for app in built.values():
        await drive(app, "GET", 500)  # warm caches
    figures: dict[tuple[str, str], list[float]] = {}
    gc.collect()
    gc.freeze()
    for _ in range(rounds):
        for method in ("GET", "POST"):
            for name, app in built.items():
                figures.setdefault((name, method), []).append(await drive(app, method, requests))
    return {key: statistics.median(values) for key, values in figures.items()}


class _Discard(io.TextIOBase):
    def write(self, text: str) -> int:
        return len(text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    for level in ("WARNING", "INFO"):
        figures = asyncio.run(measure(args.requests, args.rounds, level))
        for method in ("GET", "POST"):
            bare, stacked = figures[("bare", method)], figures[("middleware", method)]
            print(f"log level {level:<8}{method:<5} bare {bare * 1e3:.4f} ms  with middleware "
                  f"{stacked * 1e3:.4f} ms  middleware cost {(stacked - bare) * 1e3:.4f} ms CPU/request")


if __name__ == "__main__":
    main()
