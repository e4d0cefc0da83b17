"""The app under benchmark: the real BFF plus a home-like list and its plain-JSON twin, and its environment.

BENCH_DATABASE and BENCH_REDIS_URL move the benchmark's database and Redis (sessions that
share a machine each take their own).
"""

from __future__ import annotations

import os

import asyncpg
import strawberry
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from superapp.app import create_app
from bff.schema import QUERIES, build_schema
from infra import db
from infra.settings import Settings

DB = os.environ.get("BENCH_DATABASE", "superapp_bench")
ENV = {
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
    "REDIS_DURABILITY": "warn",  # the shared Redis of scripts/test keeps no file; throughput is measured here
    "SECRET_KEY": "bench-secret",
    "PII_KEYS": "b1:" + "YmVuY2hiZW5jaGJlbmNoYmVuY2hiZW5jaGJlbmNoMTI=",
    "LOG_LEVEL": "WARNING",
    "LOGIN_CODES_PER_IP_PER_HOUR": "1000",
}
TILES_QUERY = "query Home { tiles { id title subtitle iconUrl deepLink badge position enabled } }"
ME_QUERY = "query Me { me { id maskedPhone roles } }"
PHONE = "13800009999"
LOGIN = 'mutation { login(phone: "%s", code: "%s", device: {id: "bench-device-01", platform: IOS}) { ... on AuthSession { accessToken } } }'


async def prepare_database() -> None:
    admin = await asyncpg.connect("postgres://postgres@127.0.0.1:5432/postgres")
    await admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{DB}"')
    await admin.close()
    await db.migrate(Settings.from_env(ENV))

TILES = [
    {
        "id": str(i),
        "title": f"Mini-program {i}",
        "subtitle": "Pay tolls, parking and fuel",
        "iconUrl": f"https://cdn.example/icons/{i}.png",
        "deepLink": f"superapp://mp/app{i}",
        "badge": "NEW" if i % 3 == 0 else "",
        "position": i,
        "enabled": True,
    }
    for i in range(20)
]


@strawberry.type
class Tile:
    id: str
    title: str
    subtitle: str
    icon_url: str
    deep_link: str
    badge: str
    position: int
    enabled: bool


@strawberry.type
class BenchHome:
    @strawberry.field
    def tiles(self) -> list[Tile]:
        return [
            Tile(
                id=t["id"], title=t["title"], subtitle=t["subtitle"], icon_url=t["iconUrl"],
                deep_link=t["deepLink"], badge=t["badge"], position=t["position"], enabled=t["enabled"],
            )
            for t in TILES
        ]


async def plain_tiles(request: Request) -> JSONResponse:
    return JSONResponse({"data": {"tiles": TILES}})


def create_bench_app():
    settings = Settings.from_env()
    schema = build_schema(settings, queries=(*QUERIES, BenchHome))
    return create_app(settings, schema=schema, extra_routes=[Route("/plain/tiles", plain_tiles, methods=["GET", "POST"])])
