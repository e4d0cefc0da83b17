"""The database: one Tortoise app per domain package, each with its own migrations.

A domain joins by adding its name to ``DOMAINS``; it must have ``models.py`` and a
``migrations`` package (``superapp makemigrations <domain>`` writes it).
"""

from __future__ import annotations

from typing import Any

from tortoise import connections
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate as migrate_api

from superapp.settings import Settings

DOMAINS: tuple[str, ...] = (
    "identity",
    "tracking",
)


def tortoise_config(settings: Settings) -> dict[str, Any]:
    url = settings.database_url
    if url.startswith("postgresql://"):
        url = "postgres://" + url.removeprefix("postgresql://")
    if settings.uses_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return {
        "connections": {"default": url},
        "apps": {
            name: {
                "models": [f"{name}.models"],
                "migrations": f"{name}.migrations",
                "default_connection": "default",
            }
            for name in DOMAINS
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def open_database(settings: Settings) -> TortoiseContext:
    """Connect; the returned context must be passed to ``close_database``.

    The ASGI server runs the lifespan in its own task, so the context is made the
    process's global fallback: request tasks see the connections the lifespan opened.
    """
    context = TortoiseContext()
    with context:
        await context.init(config=tortoise_config(settings), _enable_global_fallback=True)
    return context


async def close_database(context: TortoiseContext) -> None:
    await context.close_connections()


async def migrate(settings: Settings, *, reporter=None) -> None:
    """Apply every domain's migrations; the same files run on SQLite and PostgreSQL."""
    with TortoiseContext() as context:
        await migrate_api(config=tortoise_config(settings), progress=reporter)
        await context.close_connections()


async def database_ready() -> bool:
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception:  # noqa: BLE001 - readiness reports any failure as not ready
        return False
    return True
