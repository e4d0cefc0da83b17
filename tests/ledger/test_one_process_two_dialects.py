"""A process that used SQLite and then PostgreSQL writes PostgreSQL's SQL to PostgreSQL.

Tortoise caches each model's INSERT statement process-wide under the connection's name,
``default`` on both databases: without ``infra.db`` forgetting it, the second database got the
first one's placeholders (``?`` on PostgreSQL is a syntax error). Test runs do this whenever a
worker's first ledger test is a SQLite one.
"""

from __future__ import annotations

import shutil

from infra import db
from infra.settings import Settings
from ledger.service import AccountKind, open_account
from tests import conftest as harness
from tests.ledger.conftest import _migrated_sqlite


async def test_postgresql_after_sqlite_gets_its_own_insert_statements(clean_state, tmp_path):
    path = tmp_path / "ledger.sqlite3"
    shutil.copyfile(_migrated_sqlite(), path)
    for url in (f"sqlite://{path}", harness.test_environ()["DATABASE_URL"], f"sqlite://{path}"):
        database = await db.open_database(Settings.from_env(harness.test_environ(DATABASE_URL=url, SUPERAPP_DATA_DIR=str(tmp_path))))
        try:
            with database:
                account = await open_account(owner_user_id=7, kind=AccountKind.CLASS_TWO, name="二类户")
                assert account.id is not None and account.owner_user_id == 7
        finally:
            await db.close_database(database)
