"""Building and sending tracking batches the way the app's SDK does."""

from __future__ import annotations

import asyncio
import gzip
import time
import uuid
from datetime import UTC, datetime

import httpx
import orjson

from tracking.worker import run_worker


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def event(name: str = "$page", *, kind: str | None = None, anonymous_id: str = "device-0001",
          user_id: str | None = None, page: str | None = "/home", properties: dict | None = None,
          app_id: str | None = None, at: datetime | None = None, clock_ahead_ms: int = 0,
          event_id: str | None = None, **extra) -> dict:
    """One event. ``at``: when it happened; the device clock may be ``clock_ahead_ms`` off,
    and the SDK sends it now, so the server must recover ``at`` from the two device times."""
    kind = kind or ("page" if name == "$page" else "track")
    now = int(time.time() * 1000)
    created = ms(at) if at is not None else now
    body = {
        "eventId": event_id or uuid.uuid4().hex,
        "type": kind,
        "anonymousId": anonymous_id,
        "createdAt": created + clock_ahead_ms,
        "sentAt": now + clock_ahead_ms,
        "properties": properties or {},
        "context": {"platform": "ios", "appVersion": "5.2.0", "os": "iOS", "osVersion": "18.1",
                    "deviceModel": "iPhone15,2", "network": "wifi", "locale": "zh-CN", "timeZone": "Asia/Shanghai"},
    }
    if kind == "track":
        body["name"] = name
    if page is not None and kind != "identify":
        body["page"] = page
    if user_id is not None:
        body["userId"] = user_id
    if app_id is not None:
        body["context"]["miniProgram"] = {"appId": app_id, "version": "1.0.3"}
    body.update(extra)
    return body


def batches(count: int, size: int = 500) -> list[list[dict]]:
    """``count`` batches of ``size`` page views, from ``size`` devices."""
    return [[event("$page", page=f"/p{b}", anonymous_id=f"device-{i:04d}") for i in range(size)] for b in range(count)]


def batch_body(events: list) -> bytes:
    return orjson.dumps({"sentAt": int(time.time() * 1000), "batch": events})


async def send(client: httpx.AsyncClient, events: list, *, gzipped: bool = False,
               token: str | None = None) -> httpx.Response:
    """POST the events as the app does; ``token``: the signed-in user's access token."""
    raw = batch_body(events)
    headers = {"content-type": "application/json"}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    if gzipped:
        raw = gzip.compress(raw)
        headers["content-encoding"] = "gzip"
    return await client.post("/track/batch", content=raw, headers=headers)


async def send_pages_and_a_resend(client: httpx.AsyncClient, *, batches: int = 4, devices: int = 500) -> list[dict]:
    """``batches`` batches of page views from ``devices`` devices, all accepted, then the first
    batch sent again (its answer was lost), all duplicates; the events sent."""
    sent: list[dict] = []
    for batch in range(batches):
        events = [event("$page", page=f"/p{batch}", anonymous_id=f"device-{i:04d}") for i in range(devices)]
        assert (await send(client, events)).json()["accepted"] == devices
        sent += events
    again = (await send(client, sent[:devices])).json()
    assert again["accepted"] == 0 and len(again["duplicates"]) == devices
    return sent


async def drain(runtime) -> int:
    """Run the tracking worker in this process until the stream is empty; events stored."""
    progress = await run_worker(
        redis=runtime.tracking.redis, config=runtime.tracking.config, stop=asyncio.Event(), until_idle=True
    )
    return progress.stored


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)
