"""The app under benchmark: the real BFF plus a home-like list and its plain-JSON twin."""

from __future__ import annotations

import strawberry
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from superapp.app import create_app
from bff.schema import QUERIES, build_schema
from infra.settings import Settings

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
