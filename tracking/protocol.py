"""The wire protocol of ``POST /track/batch``: decode, check each event, shape what is kept.

A batch is ``{"sentAt": ..., "batch": [event, ...]}``; each event follows Segment's shape
(eventId plays messageId's part). A bad event is rejected with its reason while the rest
of the batch is kept; only an unreadable or oversized batch is refused whole.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime

import orjson

from infra.i18n import Text
from tracking.config import TrackingConfig
from tracking.errors import BatchRejected
from tracking.masking import mask_fields
from tracking.nesting import TOO_DEEP, is_depth_error, split_deep_batch, too_deep_field, too_many_events
from tracking.records import StreamRecord
from tracking.schemas import SchemaRegistry
from tracking.vouching import Voucher

_EVENT_ID = re.compile(r"[A-Za-z0-9_.:\-]{8,64}")
_APP_ID = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
_TYPES = ("track", "page", "identify")
_CONTEXT_STRINGS = frozenset(
    ("platform", "appVersion", "os", "osVersion", "deviceModel", "network", "locale", "timeZone")
)


def decode_body(body: bytes, *, content_encoding: str, limit: int) -> bytes:
    """The batch's JSON bytes, inflating gzip in bounded steps so a bomb stops at ``limit``."""
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        if len(body) > limit:
            raise BatchRejected("BATCH_TOO_LARGE", Text("tracking.batch_too_large", max=limit), status=413)
        return body
    if encoding != "gzip":
        raise BatchRejected("UNSUPPORTED_ENCODING", Text("tracking.unsupported_encoding"), status=415)
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error:
        raise BatchRejected("INVALID_GZIP", Text("tracking.gzip_invalid")) from None
    if len(out) > limit:
        raise BatchRejected("BATCH_TOO_LARGE", Text("tracking.batch_too_large_inflated", max=limit), status=413)
    if not inflater.eof:
        raise BatchRejected("INVALID_GZIP", Text("tracking.gzip_truncated"))
    if inflater.unused_data:  # a second gzip member would otherwise be ignored unseen
        raise BatchRejected("INVALID_GZIP", Text("tracking.gzip_members"))
    return out


@dataclass(slots=True)
class Rejection:
    index: int
    event_id: str | None
    code: str
    reason: Text
    field: str | None = None

    def as_json(self) -> dict:
        return {"index": self.index, "eventId": self.event_id, "code": self.code,
                "field": self.field, "reason": str(self.reason)}


@dataclass(slots=True)
class CheckedBatch:
    records: list[StreamRecord] = field(default_factory=list)  # what the worker stores, one per event
    indexes: list[int] = field(default_factory=list)  # each record's position in the batch
    rejections: list[Rejection] = field(default_factory=list)
    anonymized: list[str] = field(default_factory=list)  # event ids kept without their unvouched user


class _Bad(Exception):
    def __init__(self, code: str, reason: Text, field: str | None = None) -> None:
        self.code, self.reason, self.field = code, reason, field


def parse_batch(raw: bytes, *, config: TrackingConfig) -> tuple[list, object]:
    """The batch's events (``TOO_DEEP`` for one nested past what JSON is read to) and its sentAt."""
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if not is_depth_error(exc):
            raise BatchRejected("INVALID_JSON", Text("tracking.not_json")) from None
        document = split_deep_batch(raw, max_events=config.max_batch_events)
    if not isinstance(document, dict) or not isinstance(document.get("batch"), list):
        raise BatchRejected("INVALID_BATCH", Text("tracking.not_a_batch"))
    events = document["batch"]
    if len(events) > config.max_batch_events:
        raise too_many_events(config.max_batch_events)
    return events, document.get("sentAt")


def check_events(
    events: list, *, batch_sent_at: object, received_ms: int, ip_hash: str | None,
    registry: SchemaRegistry, config: TrackingConfig, batch_bytes: int, voucher: Voucher,
    has_nul: bool = False,
) -> CheckedBatch:
    """Check each event; ``voucher``: whose events the sender proved it may send.

    ``has_nul``: the batch's JSON contains a NUL escape somewhere.
    """
    checked = CheckedBatch()
    measure = batch_bytes > config.max_event_bytes or has_nul  # no event is larger than its batch
    try:
        default_sent = _millis(batch_sent_at, "sentAt")
    except _Bad:
        default_sent = None
    for index, event in enumerate(events):
        event_id = event.get("eventId") if isinstance(event, dict) else None
        try:
            record, dropped_user = _check_one(event, default_sent, received_ms, ip_hash, registry, config,
                                              measure, voucher)
        except _Bad as bad:
            checked.rejections.append(
                Rejection(index, event_id if isinstance(event_id, str) else None, bad.code, bad.reason, bad.field)
            )
            continue
        checked.records.append(record)
        checked.indexes.append(index)
        if dropped_user:
            checked.anonymized.append(record.event_id)
    return checked


def _check_one(event, default_sent, received_ms, ip_hash, registry, config, measure,
               voucher: Voucher) -> tuple[StreamRecord, bool]:
    """The event's record, and whether a user it named was dropped for want of a voucher."""
    if event is TOO_DEEP:
        raise _Bad("EVENT_TOO_DEEP", Text("tracking.event_too_deep", max=config.max_event_depth))
    if not isinstance(event, dict):
        raise _Bad("INVALID_EVENT", Text("tracking.event_not_object"))
    deep = too_deep_field(event, config.max_event_depth)
    if deep is not None:
        raise _Bad("EVENT_TOO_DEEP", Text("tracking.event_too_deep", max=config.max_event_depth), deep[:64])
    if measure:
        encoded = orjson.dumps(event)
        if len(encoded) > config.max_event_bytes:
            raise _Bad("EVENT_TOO_LARGE", Text("tracking.event_too_large", max=config.max_event_bytes))
        if b"\\u0000" in encoded:  # PostgreSQL text cannot hold NUL: it would block storage
            raise _Bad("INVALID_EVENT", Text("tracking.event_nul"))
    event_id = event.get("eventId")
    if not isinstance(event_id, str) or not _EVENT_ID.fullmatch(event_id):
        raise _Bad("INVALID_FIELD", Text("tracking.event_id"), "eventId")
    kind = event.get("type", "track")
    if kind not in _TYPES:
        raise _Bad("INVALID_FIELD", Text("tracking.event_type"), "type")
    anonymous_id = _text(event, "anonymousId", 64)
    user_id = event.get("userId")
    if isinstance(user_id, int) and not isinstance(user_id, bool):
        user_id = str(user_id)
    elif user_id is not None:
        user_id = _text(event, "userId", 64)
    # A mini-program's server knows its users by openid; only its signed batches name them so.
    openid = _text(event, "openid", 64) if voucher.partner_app is not None else None
    user_key = "openid" if openid else "userId"
    if not anonymous_id and not user_id and not openid:
        raise _Bad("MISSING_FIELD", Text("tracking.event_needs_id"), "anonymousId")
    if kind == "identify" and not (anonymous_id and (user_id or openid)):
        raise _Bad("MISSING_FIELD", Text("tracking.identify_needs_both"), user_key)
    page = _text(event, "page", 512)
    if kind == "page" and not page:
        raise _Bad("MISSING_FIELD", Text("tracking.page_needs_page"), "page")
    name = {"page": "$page", "identify": "$identify"}.get(kind) or _text(event, "name", 128)
    if not name:
        raise _Bad("MISSING_FIELD", Text("tracking.track_needs_name"), "name")
    properties = event.get("properties", {})
    if not isinstance(properties, dict):
        raise _Bad("INVALID_FIELD", Text("tracking.properties_object"), "properties")
    context, app_id = _context(event.get("context", {}), voucher.own_app)
    if kind == "track":
        found = registry.lookup(app_id, name)
        if found.validate is None:
            raise _Bad(found.code, found.reason, "name")
        try:
            found.validate(properties)
        except Exception as exc:  # noqa: BLE001 - fastjsonschema raises JsonSchemaValueException
            raise _Bad("SCHEMA_MISMATCH", Text("tracking.schema_mismatch", name=repr(name), detail=str(exc)),
                       "properties") from None
    created = _millis(event.get("createdAt"), "createdAt")
    sent = _millis(event.get("sentAt"), "sentAt") or default_sent
    # The device clock may be wrong, but it measures how long the event waited on the
    # device correctly: server received minus that wait is the corrected time.
    held = max(0, sent - created) if created is not None and sent is not None else 0
    referrer, session_id = _text(event, "referrer", 1024), _text(event, "sessionId", 64)
    vouched_user, vouched_by = voucher.vouch(user_id=user_id, openid=openid)
    dropped_user = bool(user_id or openid) and vouched_user is None
    if dropped_user and (kind == "identify" or not anonymous_id):  # nothing would be left to count it by
        raise _Bad("USER_NOT_VOUCHED", _NOT_VOUCHED, user_key)
    page, referrer, properties, context = mask_fields(page, referrer, properties, context)
    return StreamRecord(
        event_id=event_id, kind=kind, name=name, app_id=app_id, user_id=vouched_user, vouched_by=vouched_by,
        anonymous_id=anonymous_id or "", session_id=session_id, page=page, referrer=referrer,
        properties=properties, context=context, device_created_ms=created, device_sent_ms=sent,
        received_ms=received_ms, event_ms=received_ms - held, ip_hash=ip_hash,
    ), dropped_user


_NOT_VOUCHED = Text("tracking.user_not_vouched")


def _text(event: dict, key: str, limit: int) -> str | None:
    value = event.get(key)
    if value is None or value == "":
        return None
    if type(value) is not str or len(value) > limit:
        raise _Bad("INVALID_FIELD", Text("tracking.field_string", field=key, max=limit), key)
    return value


def _context(raw: object, partner_app: str | None) -> tuple[dict, str]:
    """The known context fields and the sending app; a partner's batch holds its own app's events."""
    if not isinstance(raw, dict):
        raise _Bad("INVALID_FIELD", Text("tracking.context_object"), "context")
    context = {}
    for key, value in raw.items():  # keys other than the known ones are dropped
        if key in _CONTEXT_STRINGS and value is not None:
            if type(value) is not str or len(value) > 64:
                raise _Bad("INVALID_FIELD", Text("tracking.field_string", field=f"context.{key}", max=64), f"context.{key}")
            context[key] = value
    app_id = ""
    mini = raw.get("miniProgram")
    if mini is not None:
        app_id = mini.get("appId") if isinstance(mini, dict) else None
        if type(app_id) is not str or not _APP_ID.fullmatch(app_id):
            raise _Bad("INVALID_FIELD", Text("tracking.context_mini_program"), "context.miniProgram")
        version = mini.get("version")
        context["miniProgram"] = {"appId": app_id, "version": version if type(version) is str else None}
    if partner_app is not None:
        if app_id and app_id != partner_app:
            raise _Bad("NOT_OWN_EVENT", Text("tracking.partner_own_events"), "context.miniProgram")
        app_id = partner_app
        context.setdefault("miniProgram", {"appId": partner_app, "version": None})
    return context, app_id


def _millis(value: object, key: str) -> int | None:
    """Epoch milliseconds from a number of milliseconds or an ISO 8601 time with offset."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1e14:
        return int(value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return int(moment.timestamp() * 1000)
    raise _Bad("INVALID_FIELD", Text("tracking.time_field", field=key), key)
