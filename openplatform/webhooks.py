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

# Every event an app's webhook receives, and what raises it (the reference lists them).
EVENT_TYPES = {
    "payment.succeeded": "an order was paid; `data` is the payment",
    "refund.succeeded": "money went back to the payer; `data` is the refund, with its payment after it",
    "webhook.test": "the developer pressed \"send test webhook\"; `data` says so and changes nothing",
}


async def enqueue_event(*, app_id: str, event_type: str, data: dict) -> WebhookDelivery | None:
    """Queue an event for the app's webhook; nothing is queued while it has no URL."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    if not await OpenAppSettings.filter(app_id=app_id, webhook_url__isnull=False).exists():
        return None
    now = datetime.now(timezone.utc)
    event_id = "evt_" + secrets.token_hex(12)
    return await WebhookDelivery.create(
        app_id=app_id, event_id=event_id, event_type=event_type, status=PENDING, next_attempt_at=now,
        payload={"id": event_id, "type": event_type, "createdAt": now.isoformat(), "data": data},
    )


def test_event_data(app_id: str) -> dict:
    """What a ``webhook.test`` event holds: nothing happened, the endpoint is being checked."""
    return {"appId": app_id, "test": True, "sandbox": True}


async def send_test_event(*, app_id: str) -> WebhookDelivery | None:
    """Queue a ``webhook.test`` event (the developer's "send test webhook"); None without a URL."""
    return await enqueue_event(app_id=app_id, event_type="webhook.test", data=test_event_data(app_id))
