"""Declines stored before 0004 named the error's class; the migration rewrites them as stable codes,
and their retries keep getting the original refusal."""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from datetime import datetime, timezone

import asyncpg
import pytest
from tortoise import connections
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate as migrate_api

from infra import db
from infra.settings import Settings
from ledger import errors, posting
from ledger.service import AccountKind
from tests import conftest as harness
from tests.ledger.engine import transfer

OLD_NAMES = ["InsufficientFunds", "AccountFrozen", "LimitExceeded"]


@pytest.fixture(params=["postgresql", "sqlite"])
async def fresh_settings(request, tmp_path):
    """Settings for an empty database of the given engine."""
    if request.param == "sqlite":
        yield Settings.from_env(harness.test_environ(DATABASE_URL=f"sqlite://{tmp_path / 'm.sqlite3'}",
                                             SUPERAPP_DATA_DIR=str(tmp_path)))
        return
    name = f"{harness.DATABASE_NAME}_decline_codes"
    admin = await asyncpg.connect(harness.PG_ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield Settings.from_env(harness.test_environ(DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{name}",
                                             SUPERAPP_DATA_DIR=str(tmp_path)))
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@asynccontextmanager
async def _opened(settings: Settings):
    database = await db.open_database(settings)
    try:
        with database:
            yield
    finally:
        await db.close_database(database)


async def account_as_of_then(conn, owner: int | None, kind: AccountKind, name: str) -> int:
    """An account row as the early migrations made it (today's model has columns they lack)."""
    placeholders = "$1, $2, $3, $4" if conn.capabilities.dialect == "postgres" else "?, ?, ?, ?"
    rows = await conn.execute_query_dict(
        "INSERT INTO ledger_account (owner_user_id, kind, name, currency, balance, status, created_at)"
        f" VALUES ({placeholders}, 0, 'active', CURRENT_TIMESTAMP) RETURNING id",
        [owner, kind.value, name, "CNY"],
    )
    return rows[0]["id"]


async def _migrate_ledger_to(settings: Settings, target: str) -> None:
    with TortoiseContext() as context:
        await migrate_api(config=db.tortoise_config(settings), app_labels=["ledger"], target=target)
        await context.close_connections()


async def test_stored_class_names_become_codes_and_retries_keep_their_refusal(fresh_settings):
    await _migrate_ledger_to(fresh_settings, "ledger.0003_declined_requests")
    async with _opened(fresh_settings):
        conn = connections.get("default")
        wallet = await account_as_of_then(conn, 1, AccountKind.CLASS_TWO, "wallet")
        shop = await account_as_of_then(conn, None, AccountKind.MERCHANT, "shop")
        request = posting.transfer_movement(from_account_id=wallet, to_account_id=shop, amount=30_00,
                                            idempotency_key="old-0")
        detail = {"account_id": wallet, "balance": 10_00, "requested": 30_00}
        placeholders = "$1, $2, $3, $4, $5" if conn.capabilities.dialect == "postgres" else "?, ?, ?, ?, ?"
        for n, name in enumerate(OLD_NAMES):
            await conn.execute_query(
                "INSERT INTO ledger_declined_request (idempotency_key, fingerprint, code, detail, created_at)"
                f" VALUES ({placeholders})",
                [f"old-{n}", request.fingerprint if n == 0 else "f" * 64, name, json.dumps(detail),
                 datetime.now(timezone.utc)],
            )

    await _migrate_ledger_to(fresh_settings, "ledger")

    async with _opened(fresh_settings):
        _, rows = await connections.get("default").execute_query(
            "SELECT idempotency_key, code FROM ledger_declined_request ORDER BY idempotency_key"
        )
        assert [row["code"] for row in rows] == ["INSUFFICIENT_FUNDS", "ACCOUNT_FROZEN", "LIMIT_EXCEEDED"]
        with pytest.raises(errors.InsufficientFunds) as retry:
            await transfer(from_account_id=wallet, to_account_id=shop, amount=30_00, idempotency_key="old-0")
        assert (retry.value.balance, retry.value.requested) == (10_00, 30_00)
