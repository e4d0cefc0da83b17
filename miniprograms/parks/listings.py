"""Searching the units on offer: by park, area, price, use and availability, a page at a time.

The cursor is the last unit's id (opaque to clients, base64); units come in id order so a
page never repeats or skips a unit while others are added.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tortoise import connections

from infra.i18n import Text
from miniprograms.parks import errors
from miniprograms.parks.estate import area_hundredths, unit_use
from miniprograms.parks.views import UnitPage, UnitView
from miniprograms.parks.vocabulary import UnitStatus, UnitUse

MAX_PAGE = 50


@dataclass(frozen=True, slots=True)
class UnitSearch:
    park_id: int | None = None
    area_min_m2: object = None
    area_max_m2: object = None
    rent_min: int | None = None  # fen per m² per day
    rent_max: int | None = None
    use: UnitUse | str | None = None
    available_by: date | None = None  # free to move in on or before this day


def encode_cursor(unit_id: int) -> str:
    return base64.urlsafe_b64encode(f"unit:{unit_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind != "unit" or not value.isdigit() or len(value) > 18:
            raise ValueError
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise errors.InvalidInput(Text("parks.cursor"), field="after") from None


_COLUMNS = ("id, park_id, building_id, code, floor, area_hundredths, use, rent_fen_per_m2_day, available_from,"
            " status")


async def search_units(*, search: UnitSearch, first: int = 20, after: str | None = None) -> UnitPage:
    """A page of units on offer. Hand-written SQL: the ORM's query building and model
    instances cost three times the query itself on this hot path (bench/parks_search.py)."""
    if isinstance(first, bool) or not isinstance(first, int) or not 1 <= first <= MAX_PAGE:
        raise errors.InvalidInput(Text("parks.page_size", most=MAX_PAGE), field="first")
    filters: list[tuple[str, object]] = [("status = {}", UnitStatus.AVAILABLE.value)]
    if search.park_id is not None:
        filters.append(("park_id = {}", search.park_id))
    if search.area_min_m2 is not None:
        filters.append(("area_hundredths >= {}", area_hundredths(search.area_min_m2, "areaMinM2")))
    if search.area_max_m2 is not None:
        filters.append(("area_hundredths <= {}", area_hundredths(search.area_max_m2, "areaMaxM2")))
    for value, name, clause in ((search.rent_min, "rentMin", "rent_fen_per_m2_day >= {}"),
                                (search.rent_max, "rentMax", "rent_fen_per_m2_day <= {}")):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**9:
            raise errors.InvalidInput(Text("parks.number_range", least=0, most=10**9), field=name)
        filters.append((clause, value))
    if search.use is not None:
        filters.append(("use = {}", unit_use(search.use).value))
    if search.available_by is not None:
        if not isinstance(search.available_by, date):
            raise errors.InvalidInput(Text("parks.date"), field="availableBy")
        filters.append(("available_from <= {}", search.available_by))
    if after is not None:
        filters.append(("id > {}", decode_cursor(after)))
    conn = connections.get("default")
    postgres = conn.capabilities.dialect == "postgres"
    marks = [f"${i}" if postgres else "?" for i in range(1, len(filters) + 2)]
    where = " AND ".join(clause.format(mark) for (clause, _), mark in zip(filters, marks[:-1], strict=True))
    values = [v.isoformat() if isinstance(v, date) and not postgres else v for _, v in filters]
    rows = await conn.execute_query_dict(
        f"SELECT {_COLUMNS} FROM parks_unit WHERE {where} ORDER BY id LIMIT {marks[-1]}", [*values, first + 1])
    units = tuple(_unit(row) for row in rows[:first])
    return UnitPage(units=units, end_cursor=encode_cursor(units[-1].id) if units else None,
                    has_next_page=len(rows) > first)


def _unit(row: dict) -> UnitView:
    available = row["available_from"]
    return UnitView(
        row["id"], row["park_id"], row["building_id"], row["code"], row["floor"],
        Decimal(row["area_hundredths"]).scaleb(-2), UnitUse(row["use"]), row["rent_fen_per_m2_day"],
        date.fromisoformat(available) if isinstance(available, str) else available, UnitStatus(row["status"]),
    )
