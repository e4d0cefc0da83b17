"""Where a prize above the online limit is redeemed: the operator's redemption centres.

The nearest one to where the customer is (when their client says), else the city's main hall.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from infra.i18n import Text


@dataclass(frozen=True, slots=True)
class RedemptionCentre:
    name: Text
    address: Text
    latitude: float
    longitude: float


# Shenzhen welfare-lottery redemption halls (seed 002: the Shenzhen welfare lottery).
CENTRES = (
    RedemptionCentre(Text("lottery.centre_futian_name"), Text("lottery.centre_futian_address"), 22.5431, 114.0579),
    RedemptionCentre(Text("lottery.centre_nanshan_name"), Text("lottery.centre_nanshan_address"), 22.5329, 113.9305),
    RedemptionCentre(Text("lottery.centre_longgang_name"), Text("lottery.centre_longgang_address"), 22.7196,
                     114.2470),
)
WHAT_TO_BRING = Text("lottery.what_to_bring")


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def nearest_centre(latitude: float | None, longitude: float | None) -> RedemptionCentre:
    if latitude is None or longitude is None:
        return CENTRES[0]
    return min(CENTRES, key=lambda c: _distance_km(latitude, longitude, c.latitude, c.longitude))
