"""Publishing items through the real workflow, and waiting for the profile consumer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from itertools import count

from content.service import ContentKind, Draft, ProductKind

_n = count(1)
REVIEWER_ID = 999_999  # a reviewer who is not the author


def draft(kind: ContentKind = ContentKind.ARTICLE, *, topics=("saving",), risk_level: int | None = None,
          title: str | None = None, **extra) -> Draft:
    n = next(_n)
    fields: dict = {"kind": kind, "title": title or f"item {n}", "topics": tuple(topics)}
    if kind is ContentKind.ARTICLE:
        fields["body_html"] = f"<p>article {n}</p>"
    elif kind is ContentKind.SHORT_VIDEO:
        fields.update(video_url=f"https://cdn.example/v{n}.mp4", duration_seconds=30)
    elif kind is ContentKind.LIVE_STREAM:
        fields.update(live_starts_at=datetime.now(UTC) + timedelta(hours=1), stream_url=f"https://live.example/{n}")
    else:
        fields.update(product_code=f"P{n}", product_kind=ProductKind.FUND, risk_level=risk_level or 1)
    fields.update(extra)
    return Draft(**fields)


async def published(runtime, author_id: int, d: Draft) -> int:
    svc = runtime.content
    item = await svc.create_item(author_id=author_id, draft=d)
    await svc.review(item_id=item.id, move="submit", by=author_id)
    await svc.review(item_id=item.id, move="approve", by=REVIEWER_ID)
    await svc.schedule(item_id=item.id, by=author_id, publish_from=datetime.now(UTC) - timedelta(seconds=1),
                       publish_until=None)
    return item.id


async def consume(runtime) -> int:
    """Run the profile consumer until it has read the events stored so far."""
    total = 0
    for _ in range(50):
        got = await runtime.content.consume_once()
        total += got
        if got == 0 and total:
            return total
        if got == 0:
            await asyncio.sleep(0.02)
    return total
