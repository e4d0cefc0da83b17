"""Reconciliation: the invariants of the ledger, checked over the whole database.

Postings sum to zero per currency and per entry, every balance equals the sum of its
postings, no account without an overdraft is below zero, and no idempotency key maps to
two entries. Holds: each account's ``held`` is the sum of its active holds and never more
than its balance, each hold's parts add up to its amount, and what a hold says it captured
is what its capture entries took. Plain SQL that runs the same on PostgreSQL and SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise import connections

from ledger.kinds import AccountKind

_OVERDRAFT_KINDS = ", ".join(f"'{k.value}'" for k in AccountKind if k.allows_overdraft)

CHECKS: tuple[tuple[str, str, str], ...] = (
    (
        "postings_sum_to_zero_per_currency",
        "postings of currency {currency} sum to {total} fen",
        """SELECT e.currency AS currency, SUM(p.amount) AS total
           FROM ledger_posting p JOIN ledger_journal_entry e ON e.id = p.entry_id
           GROUP BY e.currency HAVING SUM(p.amount) <> 0""",
    ),
    (
        "entries_balance",
        "entry {entry_id} has postings summing to {total} fen",
        """SELECT p.entry_id AS entry_id, SUM(p.amount) AS total FROM ledger_posting p
           GROUP BY p.entry_id HAVING SUM(p.amount) <> 0
           UNION ALL
           SELECT e.id, 0 FROM ledger_journal_entry e
           WHERE (SELECT COUNT(*) FROM ledger_posting p WHERE p.entry_id = e.id) < 2""",
    ),
    (
        "balances_equal_postings",
        "account {account_id} shows {balance} fen but its postings sum to {postings} fen",
        """SELECT a.id AS account_id, a.balance AS balance, COALESCE(SUM(p.amount), 0) AS postings
           FROM ledger_account a LEFT JOIN ledger_posting p ON p.account_id = a.id
           GROUP BY a.id, a.balance HAVING a.balance <> COALESCE(SUM(p.amount), 0)""",
    ),
    (
        "no_negative_balances",
        "account {account_id} ({kind}) is at {balance} fen without an overdraft",
        f"""SELECT id AS account_id, kind, balance FROM ledger_account
            WHERE balance < 0 AND kind NOT IN ({_OVERDRAFT_KINDS})""",
    ),
    (
        "held_equals_active_holds",
        "account {account_id} shows {held} fen held but its active holds sum to {holds} fen",
        """SELECT a.id AS account_id, a.held AS held, CAST(COALESCE(SUM(h.remaining), 0) AS BIGINT) AS holds
           FROM ledger_account a LEFT JOIN ledger_hold h ON h.account_id = a.id AND h.status = 'active'
           GROUP BY a.id, a.held HAVING a.held <> COALESCE(SUM(h.remaining), 0)""",
    ),
    (
        "held_within_balance",
        "account {account_id} holds {held} fen of a {balance} fen balance",
        f"""SELECT id AS account_id, held, balance FROM ledger_account
            WHERE held > balance AND kind NOT IN ({_OVERDRAFT_KINDS})""",
    ),
    (
        "holds_add_up",
        "hold {hold_id} ({status}) of {amount} fen: {captured} captured + {released} released + {remaining} left",
        """SELECT id AS hold_id, status, amount, captured, released, remaining FROM ledger_hold
           WHERE amount <> captured + released + remaining OR captured < 0 OR released < 0 OR remaining < 0
              OR (status = 'active') <> (remaining > 0)""",
    ),
    (
        "captures_match_their_holds",
        "hold {hold_id} says {captured} fen were captured but its entries took {taken} fen",
        """SELECT h.id AS hold_id, h.captured AS captured, CAST(COALESCE(-SUM(p.amount), 0) AS BIGINT) AS taken
           FROM ledger_hold h
           LEFT JOIN ledger_journal_entry e ON e.hold_id = h.id
           LEFT JOIN ledger_posting p ON p.entry_id = e.id AND p.account_id = h.account_id
           GROUP BY h.id, h.captured HAVING h.captured <> COALESCE(-SUM(p.amount), 0)""",
    ),
    (
        "one_entry_per_idempotency_key",
        "idempotency key {idempotency_key!r} maps to {entries} entries",
        """SELECT idempotency_key, COUNT(*) AS entries FROM ledger_journal_entry
           GROUP BY idempotency_key HAVING COUNT(*) > 1""",
    ),
)


@dataclass
class ReconciliationReport:
    accounts: int = 0
    entries: int = 0
    postings: int = 0
    discrepancies: dict[str, list[str]] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not any(self.discrepancies.values())

    def lines(self) -> list[str]:
        out = [f"ledger reconciliation: {self.accounts} accounts, {self.entries} entries, {self.postings} postings"]
        for name, found in self.discrepancies.items():
            out.append(f"  {'FAIL' if found else 'ok  '} {name}" + (f" ({len(found)})" if found else ""))
            out.extend(f"       {line}" for line in found[:50])
            if len(found) > 50:
                out.append(f"       ... and {len(found) - 50} more")
        out.append("result: clean" if self.clean else "result: DISCREPANCIES FOUND")
        return out


async def reconcile() -> ReconciliationReport:
    """Run every check on the current connection (inside a transaction if one is open)."""
    conn = connections.get("default")
    report = ReconciliationReport()
    for table, attribute in (("ledger_account", "accounts"), ("ledger_journal_entry", "entries"),
                             ("ledger_posting", "postings")):
        rows = await conn.execute_query_dict(f"SELECT COUNT(*) AS n FROM {table}")
        setattr(report, attribute, int(rows[0]["n"]))
    for name, message, sql in CHECKS:
        rows = await conn.execute_query_dict(sql)
        report.discrepancies[name] = [message.format(**row) for row in rows]
    return report
