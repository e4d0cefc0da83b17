"""Webhook events: an outbox row per event, written in the transaction that caused it.

The worker (``superapp worker webhooks``, in ``openplatform.delivery``) sends each row to
the app's registered URL, signed, retrying with exponential backoff until it is delivered
or dead.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timezone

from openplatform.models import OpenAppSettings, WebhookDelivery

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"


async def enqueue_event(*, app_id: str, event_type: str, data: dict) -> WebhookDelivery | None:
    """Queue an event for the app's webhook; nothing is queued while it has no URL."""
    if not await OpenAppSettings.filter(app_id=app_id, webhook_url__isnull=False).exists():
        return None
    now = datetime.now(timezone.utc)
    event_id = "evt_" + secrets.token_hex(12)
    return await WebhookDelivery.create(
        app_id=app_id, event_id=event_id, event_type=event_type, status=PENDING, next_attempt_at=now,
        payload={"id": event_id, "type": event_type, "createdAt": now.isoformat(), "data": data},
    )
