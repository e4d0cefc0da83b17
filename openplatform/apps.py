"""An app's open-platform settings, changed by its developers: SM2 signing and encryption keys, webhook URL;
and its webhook deliveries, which they read and queue again."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from infra.i18n import Text
from miniprogram_host.service import Actor, developed_app, record_app_change
from openplatform import errors
from openplatform.models import OpenAppSettings, WebhookDelivery
from openplatform.webhooks import PENDING, send_test_event
from openplatform.signing import normalise_public_key

MAX_URL = 500


async def settings_of(app_id: str) -> OpenAppSettings | None:
    return await OpenAppSettings.get_or_none(app_id=app_id)


def check_webhook_url(url: str) -> str:
    url = (url or "").strip()
    if len(url) > MAX_URL:
        raise errors.InvalidWebhookUrl(Text("openplatform.webhook_url_length", max=MAX_URL))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise errors.InvalidWebhookUrl(Text("openplatform.webhook_not_url")) from None
    if parts.scheme not in ("http", "https"):
        raise errors.InvalidWebhookUrl(Text("openplatform.webhook_scheme"))
    if not parts.hostname or parts.username or parts.password or port == 0:
        raise errors.InvalidWebhookUrl(Text("openplatform.webhook_host"))
    if parts.fragment:
        raise errors.InvalidWebhookUrl(Text("openplatform.webhook_fragment"))
    return url


async def _settings_for_update(actor: Actor, app_id: str) -> OpenAppSettings:
    app = await developed_app(actor=actor, app_id=app_id)  # NotFound / NotPermitted from the host
    row, _ = await OpenAppSettings.get_or_create(app_id=app.app_id)
    return row


async def set_webhook_url(*, actor: Actor, app_id: str, url: str | None) -> OpenAppSettings:
    """Register (or with None, remove) the URL that receives the app's payment events."""
    checked = check_webhook_url(url) if url is not None else None
    row = await _settings_for_update(actor, app_id)
    if row.webhook_url != checked:
        before = row.webhook_url
        row.webhook_url = checked
        await row.save(update_fields=["webhook_url", "updated_at"])
        await record_app_change(app_id=row.app_id, actor=actor, action="webhook_url_changed", before=before,
                                after=checked)
    return row


async def register_sm2_key(*, actor: Actor, app_id: str, public_key: str | None) -> OpenAppSettings:
    """Register the app's SM2 public key for signed requests (None removes it)."""
    return await _register_key(actor, app_id, public_key, column="sm2_public_key", action="sm2_key_changed")


async def register_encryption_key(*, actor: Actor, app_id: str, public_key: str | None) -> OpenAppSettings:
    """Register the app's SM2 encryption public key: from then on its request and answer bodies and its
    webhooks are digital envelopes (openplatform/envelope.py). None removes it, and bodies are plain again."""
    return await _register_key(actor, app_id, public_key, column="encryption_public_key",
                               action="encryption_key_changed")


async def _register_key(actor: Actor, app_id: str, public_key: str | None, *, column: str,
                        action: str) -> OpenAppSettings:
    try:
        key = normalise_public_key(public_key) if public_key is not None else None
    except ValueError as exc:
        raise errors.InvalidPublicKey(str(exc)) from None
    row = await _settings_for_update(actor, app_id)
    if getattr(row, column) != key:
        setattr(row, column, key)
        await row.save(update_fields=[column, "updated_at"])
        await record_app_change(app_id=row.app_id, actor=actor, action=action, public_key=key)
    return row


async def send_test_webhook(*, actor: Actor, app_id: str) -> str:
    """The developer's "send test webhook": a ``webhook.test`` event queued for the app's URL (its id)."""
    row = await _settings_for_update(actor, app_id)
    if row.webhook_url is None:
        raise errors.InvalidWebhookUrl(Text("openplatform.webhook_none"))
    queued = await send_test_event(app_id=row.app_id)
    assert queued is not None  # the URL is registered
    return queued.event_id


def key_fingerprint(public_key: str | None) -> str | None:
    """How a registered public key is told apart on screens: the first 16 hex of SHA-256 of its bytes."""
    return None if public_key is None else hashlib.sha256(bytes.fromhex(public_key)).hexdigest()[:16]


async def open_settings(*, actor: Actor, app_id: str) -> OpenAppSettings:
    """The app's settings as its developers see them (unsaved defaults if it has none yet)."""
    app = await developed_app(actor=actor, app_id=app_id)  # NotFound / NotPermitted from the host
    return await OpenAppSettings.get_or_none(app_id=app.app_id) or OpenAppSettings(app_id=app.app_id)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One webhook delivery as the app's developers see it: never its body, signature or key."""

    id: int
    event_id: str
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, row: WebhookDelivery) -> Delivery:
        return cls(id=row.id, event_id=row.event_id, event_type=row.event_type, status=row.status,
                   attempts=row.attempts, last_status_code=row.last_status_code, last_error=row.last_error,
                   created_at=row.created_at, next_attempt_at=row.next_attempt_at, delivered_at=row.delivered_at)


@dataclass(frozen=True, slots=True)
class DeliveryPage:
    items: list[Delivery]
    has_more: bool


MAX_PAGE = 100


async def webhook_deliveries(*, actor: Actor, app_id: str, first: int = 20,
                             before_id: int | None = None) -> DeliveryPage:
    """The app's deliveries newest first, ``first`` of them (at most 100) older than ``before_id``."""
    app = await developed_app(actor=actor, app_id=app_id)
    if not 1 <= first <= MAX_PAGE:
        raise errors.InvalidArgument(Text("openplatform.page_size", max=MAX_PAGE), field="first")
    query = WebhookDelivery.filter(app_id=app.app_id)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    rows = await query.order_by("-id").limit(first + 1)
    return DeliveryPage(items=[Delivery.of(r) for r in rows[:first]], has_more=len(rows) > first)


async def redeliver_webhook(*, actor: Actor, app_id: str, delivery_id: int) -> Delivery:
    """Queue one of the app's deliveries again, in any state, with a fresh set of attempts
    (what ``superapp webhooks redeliver ID`` does for operators); DeliveryNotFound for another app's."""
    app = await developed_app(actor=actor, app_id=app_id)
    queued = await WebhookDelivery.filter(id=delivery_id, app_id=app.app_id).update(
        status=PENDING, attempts=0, next_attempt_at=datetime.now(timezone.utc))
    if not queued:
        raise errors.DeliveryNotFound()
    row = await WebhookDelivery.get(id=delivery_id)
    await record_app_change(app_id=app.app_id, actor=actor, action="webhook_redelivered", event_id=row.event_id)
    return Delivery.of(row)
