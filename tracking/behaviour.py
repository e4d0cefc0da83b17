"""Counts of a customer's own tracked events, for audience rules ("visited payroll twice this week").

Only events vouched for a user carry one (tracking.vouching), so a device cannot claim
somebody else's behaviour.
"""

from __future__ import annotations

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
