"""The database: one Tortoise app per domain package, each with its own migrations.

A domain joins by adding its name to ``DOMAINS``; it must have ``models.py`` and a
``migrations`` package (``superapp makemigrations <domain>`` writes it).
"""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate as migrate_api

from superapp.settings import Settings

DOMAINS: tuple[str, ...] = (
    "identity",
    "ledger",
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


async def open_database(settings: Settings) -> None:
    # The ASGI server runs the lifespan in its own task; the global fallback lets request
    # tasks see the connections it opened (Tortoise 1.x scopes them to a contextvar).
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)


async def close_database() -> None:
    # Closing through Tortoise also clears the global fallback, so the next app (the next
    # test) can open the database again in the same process.
    await Tortoise.close_connections()


async def migrate(settings: Settings, *, reporter=None) -> None:
    """Apply every domain's migrations; the same files run on SQLite and PostgreSQL."""
    await migrate_api(config=tortoise_config(settings), progress=reporter)
    await close_database()


async def database_ready() -> bool:
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception:  # noqa: BLE001 - readiness reports any failure as not ready
        return False
    return True
