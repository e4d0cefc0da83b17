"""Searching the units on offer: by park, area, price, use and availability, a page at a time.

The cursor is the last unit's id (opaque to clients, base64); units come in id order so a
page never repeats or skips a unit while others are added.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date

from infra.i18n import Text
from miniprograms.parks import errors
from miniprograms.parks.estate import area_hundredths, unit_use
from miniprograms.parks.models import Unit
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


async def search_units(*, search: UnitSearch, first: int = 20, after: str | None = None) -> UnitPage:
    if isinstance(first, bool) or not isinstance(first, int) or not 1 <= first <= MAX_PAGE:
        raise errors.InvalidInput(Text("parks.page_size", most=MAX_PAGE), field="first")
    query = Unit.filter(status=UnitStatus.AVAILABLE)
    if search.park_id is not None:
        query = query.filter(park_id=search.park_id)
    if search.area_min_m2 is not None:
        query = query.filter(area_hundredths__gte=area_hundredths(search.area_min_m2, "areaMinM2"))
    if search.area_max_m2 is not None:
        query = query.filter(area_hundredths__lte=area_hundredths(search.area_max_m2, "areaMaxM2"))
    for value, name in ((search.rent_min, "rentMin"), (search.rent_max, "rentMax")):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise errors.InvalidInput(Text("parks.number_range", least=0, most=10**9), field=name)
    if search.rent_min is not None:
        query = query.filter(rent_fen_per_m2_day__gte=search.rent_min)
    if search.rent_max is not None:
        query = query.filter(rent_fen_per_m2_day__lte=search.rent_max)
    if search.use is not None:
        query = query.filter(use=unit_use(search.use))
    if search.available_by is not None:
        query = query.filter(available_from__lte=search.available_by)
    if after is not None:
        query = query.filter(id__gt=decode_cursor(after))
    rows = await query.order_by("id").limit(first + 1)
    units = tuple(UnitView.of(r) for r in rows[:first])
    return UnitPage(units=units, end_cursor=encode_cursor(units[-1].id) if units else None,
                    has_next_page=len(rows) > first)
