"""Counts of a customer's own tracked events, for audience rules ("visited payroll twice this week").

Only events vouched for a user carry one (tracking.vouching), so a device cannot claim
somebody else's behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.functions import Count

from tracking.models import TrackedEvent


async def event_counts(*, name: str, since: datetime, user_ids: list[int] | None = None, page: str | None = None,
                       app_id: str | None = None) -> dict[int, int]:
    """Events named ``name`` since ``since`` per user (of ``user_ids``, or everyone); one grouped query."""
    query = TrackedEvent.filter(name=name, event_ms__gte=int(since.timestamp() * 1000), user_id__isnull=False)
    if user_ids is not None:
        if not user_ids:
            return {}
        query = query.filter(user_id__in=[str(u) for u in user_ids])
    if page is not None:
        query = query.filter(page=page)
    if app_id is not None:
        query = query.filter(app_id=app_id)
    rows = await query.annotate(n=Count("id")).group_by("user_id").values_list("user_id", "n")
    return {int(user): n for user, n in rows if str(user).isdigit()}


@dataclass(frozen=True, slots=True)
class UserEvent:
    user_id: int
    name: str
    page: str | None
    at_ms: int
    properties: dict


async def user_events(*, names: list[str], since: datetime, until: datetime, limit: int = 200_000) -> list[UserEvent]:
    """Vouched-for users' events with these names in [since, until), oldest first (attribution's input)."""
    rows = await TrackedEvent.filter(
        name__in=names, user_id__isnull=False, event_ms__gte=int(since.timestamp() * 1000),
        event_ms__lt=int(until.timestamp() * 1000),
    ).order_by("event_ms", "id").limit(limit).values_list("user_id", "name", "page", "event_ms", "properties")
    return [UserEvent(int(u), n, p, ms, props or {}) for u, n, p, ms, props in rows if str(u).isdigit()]
