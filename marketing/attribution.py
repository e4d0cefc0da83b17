"""Last-touch attribution of conversions to campaigns, from tracked exposures and clicks.

The app reports ``campaign_exposure`` and ``campaign_click`` events with the placement's
``campaignId`` in their properties (the home's placements carry it). A conversion (the goal
event, optionally on one page) is credited to the campaign of the customer's most recent
click within the window before it, or, with no click, their most recent exposure; at most
one conversion per customer and campaign counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tracking.service import user_events

EXPOSURE, CLICK = "campaign_exposure", "campaign_click"


@dataclass(frozen=True, slots=True)
class Attribution:
    exposed: frozenset[int]  # customers who saw the campaign
    clicked: frozenset[int]
    converted: frozenset[int]  # customers whose conversion is credited to it


def _campaign_of(properties: dict) -> int | None:
    raw = properties.get("campaignId")
    return int(raw) if isinstance(raw, (int, str)) and str(raw).isdigit() else None


async def attribute(*, campaign_id: int, goal: str, page: str | None, within: timedelta, since: datetime,
                    until: datetime) -> Attribution:
    events = await user_events(names=[EXPOSURE, CLICK, goal], since=since - within, until=until)
    last_click: dict[int, tuple[int, int]] = {}  # user -> (campaign, at)
    last_exposure: dict[int, tuple[int, int]] = {}
    exposed, clicked, converted = set(), set(), set()
    window_ms = int(within.total_seconds() * 1000)
    for event in events:  # oldest first
        if event.name in (EXPOSURE, CLICK):
            campaign = _campaign_of(event.properties)
            if campaign is None:
                continue
            (last_click if event.name == CLICK else last_exposure)[event.user_id] = (campaign, event.at_ms)
            if campaign == campaign_id:
                (clicked if event.name == CLICK else exposed).add(event.user_id)
            continue
        if page is not None and event.page != page:
            continue
        if event.at_ms < int(since.timestamp() * 1000):
            continue
        click = last_click.get(event.user_id)
        if click is not None and event.at_ms - click[1] <= window_ms:
            touch = click
        else:
            exposure = last_exposure.get(event.user_id)
            touch = exposure if exposure is not None and event.at_ms - exposure[1] <= window_ms else None
        if touch is not None and touch[0] == campaign_id:
            converted.add(event.user_id)
    return Attribution(frozenset(exposed), frozenset(clicked), frozenset(converted))
