"""The ledger's service-level tests run twice: on PostgreSQL and on SQLite (embedded mode)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ledger.service import AccountKind, open_account
from infra import db
from infra.settings import Settings
from tests.conftest import migrated_data_dir, test_environ
from tests.ledger.engine import transfer


@pytest.fixture(params=["postgresql", "sqlite"])
def ledger_db(request) -> str:
    """A migrated database with Tortoise open on it; returns the engine's name."""
    request.getfixturevalue("app" if request.param == "postgresql" else "sqlite_database")
    return request.param


def _migrated_sqlite() -> Path:
    """The run's migrated SQLite file (``migrated_data_dir`` in tests/conftest.py), copied per test."""
    return migrated_data_dir() / "superapp.sqlite3"


@pytest.fixture
async def sqlite_database(tmp_path):
    """The embedded mode's database: a SQLite file, migrated like PostgreSQL (a copy of one
    migrated once per run)."""
    path = tmp_path / "ledger.sqlite3"
    shutil.copyfile(_migrated_sqlite(), path)
    settings = Settings.from_env(test_environ(DATABASE_URL=f"sqlite://{path}", SUPERAPP_DATA_DIR=str(tmp_path)))
    database = await db.open_database(settings)
    try:
        yield
    finally:
        await db.close_database(database)


class Bank:
    """Opens accounts and funds them from settlement, the way money enters the ledger."""

    def __init__(self) -> None:
        self.settlement = None
        self._funding = 0

    async def customer_account(self, owner: int, kind=AccountKind.CLASS_TWO, *, balance: int = 0):
        account = await open_account(owner_user_id=owner, kind=kind, name=f"{kind.value} of {owner}")
        if balance:
            await self.fund(account.id, balance)
        return account

    async def fund(self, account_id: int, amount: int):
        if self.settlement is None:
            self.settlement = await open_account(owner_user_id=None, kind=AccountKind.SETTLEMENT, name="settlement")
        self._funding += 1
        return await transfer(
            from_account_id=self.settlement.id, to_account_id=account_id, amount=amount,
            idempotency_key=f"test-funding-{self._funding}", kind="deposit",
        )


@pytest.fixture
def bank(ledger_db) -> Bank:
    return Bank()
