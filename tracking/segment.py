"""The Segment HTTP tracking API's shape (``/v1/batch``, ``/v1/track``, ``/v1/page``, ``/v1/screen``,
``/v1/identify``, ``/v1/alias``), as Segment's and RudderStack's SDKs send it, mapped onto our
events: messageId is the event id, ``event`` the name, ``timestamp`` and ``sentAt`` the device
times, the context's known fields ours. The write key names the app, so every event is that
app's; ``userId`` is the app's own id of the user (an openid), attributed like a signed batch of
the open API. Each message is then checked like any event (tracking/protocol.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets

import orjson

from infra.i18n import Text
from tracking.errors import BatchRejected

SINGLE_TYPES = ("track", "page", "screen", "identify", "alias")
_KEY_PREFIX = "wk_"


def new_write_key() -> tuple[str, str]:
    """A fresh write key and the hash to keep of it."""
    key = _KEY_PREFIX + secrets.token_urlsafe(32)
    return key, key_hash(key)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def write_key_of(*, authorization: str, body: dict) -> str:
    """The write key: HTTP Basic with the key as user name (both SDKs), else ``writeKey`` in the body."""
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "basic" and credentials:
        try:
            user = base64.b64decode(credentials, validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            user = ""
        if user:
            return user
    key = body.get("writeKey")
    if isinstance(key, str) and key:
        return key
    raise BatchRejected("INVALID_WRITE_KEY", Text("tracking.write_key_missing"), status=401)


def as_batch(body: dict, *, single: str | None) -> bytes:
    """Our batch (JSON) for a Segment body: ``{"batch": [...]}``, or one message of type ``single``."""
    if single is not None:
        messages = [{**body, "type": single}]
    else:
        messages = body.get("batch")
        if not isinstance(messages, list):
            raise BatchRejected("INVALID_BATCH", Text("tracking.not_a_batch"))
    return orjson.dumps({"sentAt": body.get("sentAt"), "batch": [_event(m) for m in messages]})


def _event(message: object) -> object:
    if not isinstance(message, dict):
        return message  # refused by the event checks, with its index
    kind = message.get("type")
    event: dict = {
        "eventId": message.get("messageId"),
        "anonymousId": message.get("anonymousId"),
        "createdAt": message.get("timestamp") or message.get("originalTimestamp"),
        "sentAt": message.get("sentAt"),
        "properties": message.get("properties") if message.get("properties") is not None else {},
        "context": _context(message.get("context")),
    }
    user = message.get("userId")
    if user is not None:
        event["openid"] = str(user) if isinstance(user, int) and not isinstance(user, bool) else user
    if kind == "track":
        event.update(type="track", name=message.get("event"))
    elif kind in ("page", "screen"):
        properties = event["properties"] if isinstance(event["properties"], dict) else {}
        path = properties.get("path") if kind == "page" else None
        event.update(type="page", page=path if isinstance(path, str) and path else message.get("name"))
    elif kind == "identify":
        event.update(type="identify", properties=message.get("traits") if isinstance(message.get("traits"), dict) else {})
    elif kind == "alias":  # the earlier id (a device's) now belongs to the user: an identify
        event.update(type="identify", anonymousId=message.get("previousId") or message.get("anonymousId"))
    else:
        event["type"] = kind  # group and the unknown: refused as an unknown type
    return event


def _context(raw: object) -> dict:
    """Segment's context, nested, flattened onto our known fields; the rest is not kept."""
    if not isinstance(raw, dict):
        return {}
    def pick(*path: str) -> object:
        value: object = raw
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return value if isinstance(value, str) and value else None
    found = {
        "locale": pick("locale"), "timeZone": pick("timezone"), "os": pick("os", "name"),
        "osVersion": pick("os", "version"), "appVersion": pick("app", "version"),
        "deviceModel": pick("device", "model"), "platform": pick("library", "name"),
    }
    return {key: value[:64] for key, value in found.items() if value is not None}
