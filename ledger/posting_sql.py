"""The posting engine's statements, written by hand for PostgreSQL and SQLite.

The hot path of every money movement runs these instead of building ORM queries: the
query builder cost more CPU than the database work (see bench/ledger_transfers.py).
Statements use $n placeholders; SQLite gets ? in the same order.
"""

from __future__ import annotations

import re
from functools import lru_cache

_PLACEHOLDER = re.compile(r"\$\d+")

FIND_KEY = "SELECT id, fingerprint FROM ledger_journal_entry WHERE idempotency_key = $1"
FIND_DECLINED = "SELECT fingerprint, code, detail FROM ledger_declined_request WHERE idempotency_key = $1"
INSERT_DECLINED = (
    "INSERT INTO ledger_declined_request (idempotency_key, fingerprint, code, detail, created_at)"
    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (idempotency_key) DO NOTHING"
)
INSERT_ENTRY = (
    "INSERT INTO ledger_journal_entry"
    " (idempotency_key, fingerprint, kind, memo, currency, reverses_id, hold_id, created_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
)
UPDATE_BALANCE = "UPDATE ledger_account SET balance = $1 WHERE id = $2"
IS_REVERSED = "SELECT id FROM ledger_journal_entry WHERE reverses_id = $1"


_ACCOUNT_ROWS = "SELECT id, owner_user_id, kind, status, balance, held, currency FROM ledger_account"


@lru_cache(maxsize=64)
def lock_accounts(count: int, dialect: str) -> str:
    """Lock the accounts in id order; SQLite has one writer and no row locks."""
    ids = ", ".join(f"${n}" for n in range(1, count + 1))
    return for_dialect(f"{_ACCOUNT_ROWS} WHERE id IN ({ids}) ORDER BY id{_for_update(dialect)}", dialect)


def lock_accounts_among(count: int, dialect: str) -> str:
    """``lock_accounts`` for many ids, passed as ``among_args``: one array on PostgreSQL."""
    return f"{_ACCOUNT_ROWS} WHERE {among('id', 'bigint', count, dialect)} ORDER BY id{_for_update(dialect)}"


def _for_update(dialect: str) -> str:
    return " FOR UPDATE" if dialect == "postgres" else ""


@lru_cache(maxsize=64)
def insert_postings(count: int, dialect: str) -> str:
    rows = ", ".join(
        "(" + ", ".join(f"${6 * n + i}" for i in range(1, 7)) + ")" for n in range(count)
    )
    return for_dialect(
        "INSERT INTO ledger_posting (entry_id, account_id, amount, balance_after, counts_toward_limits, created_at)"
        f" VALUES {rows}",
        dialect,
    )


@lru_cache(maxsize=64)
def for_dialect(sql: str, dialect: str) -> str:
    return sql if dialect == "postgres" else _PLACEHOLDER.sub("?", sql)


# Many rows at once (ledger.captures; inserts are infra.db.insert_rows): PostgreSQL takes one
# array, so each statement has one text whatever the count; SQLite gets a list of placeholders.

def among(column: str, sql_type: str, count: int, dialect: str) -> str:
    """``column`` is one of the values passed as ``among_args``: an array on PostgreSQL."""
    if dialect == "postgres":
        return f"{column} = ANY($1::{sql_type}[])"
    return f"{column} IN ({', '.join('?' for _ in range(count))})"


def among_args(values: list, dialect: str) -> list:
    return [values] if dialect == "postgres" else values


UPDATE_BALANCES = (
    "UPDATE ledger_account AS a SET balance = v.balance FROM unnest($1::bigint[], $2::bigint[]) AS v(id, balance)"
    " WHERE a.id = v.id"
)
TAKE_HELD = "UPDATE ledger_account SET held = held - $1 WHERE id = $2"
