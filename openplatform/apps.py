"""An app's open-platform settings, changed by its developers: SM2 signing and encryption keys, webhook URL."""

from __future__ import annotations

from urllib.parse import urlsplit

from infra.i18n import Text
from miniprogram_host.service import Actor, developed_app, record_app_change
from openplatform import errors
from openplatform.models import OpenAppSettings
from openplatform.webhooks import send_test_event
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
