"""The webhook worker: delivers outbox rows, signed, with exponential backoff and a dead letter.

A row is claimed by bumping its attempt count and pushing its next attempt past the
delivery timeout, in one conditional update: several workers can run, on PostgreSQL or
SQLite, without row locks held across the HTTP call. A worker that dies mid-delivery
leaves the row to be retried once that lease runs out.

Every delivery is signed: ``X-Superapp-Signature: v1=<hex>`` is HMAC-SHA256, keyed by
SHA-256(appSecret) as for requests, over ``"<X-Superapp-Timestamp>." + body``. For an app
with an encryption key the body is a digital envelope (openplatform/encryption.py) and the
bank also signs that same string with SM2 (``X-Superapp-Envelope-Signature``).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import httpx

from infra import outbound
from miniprogram_host.service import app_hmac_key
from openplatform.config import OpenPlatformConfig
from openplatform.encryption import encryption_key_of, seal_webhook
from openplatform.models import OpenAppSettings, WebhookDelivery
from openplatform.webhooks import DEAD, DELIVERED, PENDING

log = logging.getLogger("openplatform.webhooks")
BATCH = 20
MAX_POLL_SECONDS = 1.0


def webhook_signature(key: bytes, timestamp: str, body: bytes) -> str:
    """``key`` is the app's HMAC key, SHA-256 of its appSecret."""
    return "v1=" + hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def backoff_seconds(config: OpenPlatformConfig, attempts: int) -> float:
    """Doubling from the base after each failed attempt, capped, with jitter so retries spread."""
    ceiling = min(config.webhook_backoff_max_seconds, config.webhook_backoff_seconds * 2 ** max(0, attempts - 1))
    return ceiling * random.uniform(0.5, 1.0)


@dataclass
class DeliveryProgress:
    delivered: int = 0
    failed: int = 0  # attempts that failed (the row is retried or dead)
    dead: int = 0


class WebhookDeliverer:
    def __init__(self, config: OpenPlatformConfig, http: httpx.AsyncClient) -> None:
        self.config = config
        self.http = http
        self.progress = DeliveryProgress()

    async def run(self, *, stop: asyncio.Event, until_idle: bool = False) -> DeliveryProgress:
        """Deliver until ``stop`` is set (or, ``until_idle``, until nothing is pending)."""
        while not stop.is_set():
            if await self.deliver_due():
                continue
            upcoming = await WebhookDelivery.filter(status=PENDING).order_by("next_attempt_at").first()
            if upcoming is None and until_idle:
                break
            wait = MAX_POLL_SECONDS
            if upcoming is not None:
                wait = min(wait, max(0.0, (upcoming.next_attempt_at - datetime.now(timezone.utc)).total_seconds()))
            try:
                await asyncio.wait_for(stop.wait(), timeout=wait)
            except TimeoutError:
                pass
        return self.progress

    async def deliver_due(self) -> int:
        """Claim and deliver the rows that are due; the number attempted."""
        now = datetime.now(timezone.utc)
        due = await WebhookDelivery.filter(status=PENDING, next_attempt_at__lte=now).order_by(
            "next_attempt_at", "id").limit(BATCH)
        lease = now + timedelta(seconds=self.config.webhook_timeout_seconds + 30)
        claimed = []
        for row in due:
            won = await WebhookDelivery.filter(id=row.id, status=PENDING, attempts=row.attempts).update(
                attempts=row.attempts + 1, next_attempt_at=lease)
            if won:
                row.attempts += 1
                claimed.append(row)
        await asyncio.gather(*(self._attempt(row) for row in claimed))
        return len(claimed)

    async def _attempt(self, row: WebhookDelivery) -> None:
        status_code, error = None, None
        try:
            status_code, error = await self._post(row)
        except Exception as exc:  # noqa: BLE001 - any failure of one delivery is that row's failure
            error = f"{type(exc).__name__}: {exc}"
        now = datetime.now(timezone.utc)
        if error is None:
            self.progress.delivered += 1
            await WebhookDelivery.filter(id=row.id).update(
                status=DELIVERED, delivered_at=now, last_status_code=status_code, last_error=None)
            return
        self.progress.failed += 1
        dead = row.attempts >= self.config.webhook_max_attempts
        if dead:
            self.progress.dead += 1
            log.warning("webhook %s to app %s is dead after %d attempts: %s", row.event_id, row.app_id,
                        row.attempts, error)
        await WebhookDelivery.filter(id=row.id).update(
            status=DEAD if dead else PENDING, last_status_code=status_code, last_error=error[:300],
            next_attempt_at=now + timedelta(seconds=backoff_seconds(self.config, row.attempts)),
        )

    async def _post(self, row: WebhookDelivery) -> tuple[int | None, str | None]:
        url = await OpenAppSettings.filter(app_id=row.app_id).values_list("webhook_url", flat=True)
        if not url or url[0] is None:
            return None, "the app has no webhook URL"
        if not self.config.webhook_allow_private and not await _public_host(urlsplit(url[0]).hostname or ""):
            return None, "the webhook host resolves to a private or local address"
        key = await app_hmac_key(row.app_id)
        if key is None:
            return None, "the app is gone"
        body = json.dumps(row.payload, separators=(",", ":"), ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        sealed_headers: dict[str, str] = {}
        partner_key = await encryption_key_of(row.app_id)
        if partner_key is not None:  # the app opted in: the event goes as an envelope, signed with SM2 too
            sealed = seal_webhook(row.payload, timestamp=timestamp, partner_key=partner_key,
                                  keys=self.config.bank_keys)
            body, sealed_headers = sealed.body, sealed.headers
        response = await self.http.post(url[0], content=body, headers={
            "content-type": "application/json",
            "x-superapp-event-id": row.event_id,
            "x-superapp-event-type": row.event_type,
            "x-superapp-timestamp": timestamp,
            "x-superapp-signature": webhook_signature(key, timestamp, body),
            **sealed_headers,
        })
        if 200 <= response.status_code < 300:
            return response.status_code, None
        return response.status_code, f"the receiver answered {response.status_code}"


async def _public_host(host: str) -> bool:
    """Partners register the URL, so it must not reach into the bank's own network.

    The name is resolved here and again by the HTTP client, so a DNS answer that changes
    in between is not caught; an egress proxy is the stronger guard.
    """
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_global for info in infos)


async def redeliver(*, delivery_id: int | None = None, all_dead: bool = False) -> int:
    """Queue deliveries again with a fresh set of attempts: one by id, or every dead one."""
    query = WebhookDelivery.filter(status=DEAD) if all_dead else WebhookDelivery.filter(id=delivery_id)
    return await query.update(status=PENDING, attempts=0, next_attempt_at=datetime.now(timezone.utc))


def http_client(config: OpenPlatformConfig) -> httpx.AsyncClient:
    return outbound.http_client(timeout=config.webhook_timeout_seconds, follow_redirects=False,
                                headers={"user-agent": "superapp-webhooks/1"})
