"""The daily caps of a card, counted in one row per card and China Standard Time day.

Each check is one conditional statement, so concurrent debits of one card never pass a cap
together: attempts are counted first (refusals included, as WeChat's car-owner service counts
them), then the amount is reserved, and given back if the debit does not go through.
"""

from __future__ import annotations

import re
from datetime import date

from miniprograms.etc.models import EtcCardDay

_COUNT_ATTEMPT = """
INSERT INTO etc_card_day (card_id, day, attempts, amount) VALUES ($1, $2, 1, 0)
ON CONFLICT (card_id, day) DO UPDATE SET attempts = etc_card_day.attempts + 1
WHERE etc_card_day.attempts < $3
RETURNING attempts
"""
_RESERVE = "UPDATE etc_card_day SET amount = amount + $1 WHERE card_id = $2 AND day = $3 AND amount + $1 <= $4"
_GIVE_BACK = "UPDATE etc_card_day SET amount = amount - $1 WHERE card_id = $2 AND day = $3"
_PARAM = re.compile(r"\$\d+")


def _sql(conn, statement: str, params: list) -> tuple[str, list]:
    """PostgreSQL's numbered parameters, or SQLite's question marks (the values in order)."""
    if conn.capabilities.dialect == "postgres":
        return statement, params
    order = [int(p[1:]) - 1 for p in _PARAM.findall(statement)]
    values = [v.isoformat() if isinstance(v, date) else v for v in params]  # as Tortoise stores dates there
    return _PARAM.sub("?", statement), [values[i] for i in order]


def _conn():
    return EtcCardDay._meta.db


async def count_attempt(card_id: int, day: date, most: int) -> bool:
    """Count one attempt; False when the day's attempts were already used up."""
    conn = _conn()
    # execute_query_dict: the row RETURNING gives back (asyncpg's execute would only report "INSERT 0 1").
    return bool(await conn.execute_query_dict(*_sql(conn, _COUNT_ATTEMPT, [card_id, day, most])))


async def reserve(card_id: int, day: date, amount: int, most: int) -> bool:
    """Reserve ``amount`` of the day's allowance; False when it would pass ``most``."""
    conn = _conn()
    changed, _ = await conn.execute_query(*_sql(conn, _RESERVE, [amount, card_id, day, most]))
    return bool(changed)


async def give_back(card_id: int, day: date, amount: int) -> None:
    conn = _conn()
    await conn.execute_query(*_sql(conn, _GIVE_BACK, [amount, card_id, day]))


async def used(card_id: int, day: date) -> tuple[int, int]:
    """(attempts, amount) of the card's day."""
    row = await EtcCardDay.get_or_none(card_id=card_id, day=day)
    return (row.attempts, row.amount) if row is not None else (0, 0)
