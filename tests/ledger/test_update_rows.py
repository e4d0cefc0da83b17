"""``infra.db.update_rows`` and ``insert_rows``: many rows, each to its own values, in one
statement, on PostgreSQL (arrays) and SQLite (a VALUES list), inside the caller's
transaction; ``same`` columns take one value in every row."""

from datetime import datetime, timezone

import pytest
from tortoise.transactions import in_transaction

from infra.db import insert_rows, update_rows
from ledger.models import Account, DeclinedRequest
from ledger.service import AccountKind, open_account


async def test_each_row_gets_its_own_values_and_no_other_row_changes(ledger_db):
    accounts = [await open_account(owner_user_id=300 + n, kind=AccountKind.CLASS_TWO, name=f"a{n}") for n in range(4)]
    closed = datetime(2026, 12, 2, 8, 30, tzinfo=timezone.utc)
    await update_rows(Account, ("name", "closed_at"), ("bigint", "text", "timestamptz"),
                      [(accounts[0].id, "第一", closed), (accounts[2].id, "third", None)])
    rows = {a.id: a for a in await Account.filter(id__in=[a.id for a in accounts])}
    assert [rows[a.id].name for a in accounts] == ["第一", "a1", "third", "a3"]
    assert rows[accounts[0].id].closed_at == closed and rows[accounts[2].id].closed_at is None
    await update_rows(Account, ("name",), ("bigint", "text"), [])  # nothing to do, nothing done


async def test_the_rows_roll_back_with_the_callers_transaction(ledger_db):
    account = await open_account(owner_user_id=310, kind=AccountKind.CLASS_TWO, name="before")
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await update_rows(Account, ("name",), ("bigint", "text"), [(account.id, "after")])
            raise RuntimeError("the rest of the transaction failed")
    assert (await Account.get(id=account.id)).name == "before"


async def test_same_columns_take_one_value_in_every_row(ledger_db):
    accounts = [await open_account(owner_user_id=320 + n, kind=AccountKind.CLASS_TWO, name=f"s{n}") for n in range(3)]
    closed = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
    await update_rows(Account, ("name",), ("bigint", "text"), [(accounts[0].id, "一"), (accounts[1].id, "二")],
                      same=(("closed_at", "timestamptz", closed), ("card_index", "text", None)))
    rows = {a.id: a for a in await Account.filter(id__in=[a.id for a in accounts])}
    assert [(rows[a.id].name, rows[a.id].closed_at) for a in accounts] == [("一", closed), ("二", closed), ("s2", None)]

    conn = DeclinedRequest._meta.db
    inserted = await insert_rows(conn, "ledger_declined_request", ("idempotency_key", "detail"), ("text", "text"),
                                 [("same-1", "{}"), ("same-2", '{"n": 2}')], "RETURNING id, idempotency_key",
                                 same=(("fingerprint", "text", "f"), ("code", "text", "LIMIT_EXCEEDED"),
                                       ("created_at", "timestamptz", closed)))
    assert sorted(row["idempotency_key"] for row in inserted) == ["same-1", "same-2"]
    stored = await DeclinedRequest.filter(idempotency_key__startswith="same-").order_by("idempotency_key")
    assert [(d.idempotency_key, d.fingerprint, d.code, d.detail, d.created_at) for d in stored] == [
        ("same-1", "f", "LIMIT_EXCEEDED", "{}", closed), ("same-2", "f", "LIMIT_EXCEEDED", '{"n": 2}', closed)]
