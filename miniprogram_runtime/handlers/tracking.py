"""``track``: a mini-program's own analytics event, sent through the container.

The container's CSP lets a frame reach nothing but its declared domains; its events go by the
bridge instead, so they need no domain of their own. The event is the calling app's (its
``context.miniProgram``) and names the calling user, vouched for by their session
(``vouched_by`` ``bridge`` in tracking); the event name must be registered for the app
(``registerTrackingEvent``) and its properties must match the schema registered with it.
"""

from __future__ import annotations

import re
import secrets
import time

from miniprogram_runtime.context import CallContext
from miniprogram_runtime.errors import BridgeRefusal, InvalidArguments
from infra.i18n import Text
from tracking import service as tracking

_EVENT_ID = re.compile(r"[A-Za-z0-9_.:-]{8,64}")


class EventRefused(BridgeRefusal):
    """Tracking refused the event; ``code`` is tracking's (UNKNOWN_EVENT, SCHEMA_MISMATCH, ...)."""

    status = 422

    def __init__(self, code: str, message: Text, field: str | None) -> None:
        super().__init__(message, field=field)
        self.code = code


class RetryLater(BridgeRefusal):
    code, status, message = "RETRY_LATER", 503, Text("miniprogram_runtime.track_retry_later")


async def track(ctx: CallContext) -> dict:
    """Keep one event of the app's, for the calling user; a repeated ``eventId`` is kept once."""
    name = ctx.text("name")
    properties = ctx.args.get("properties", {})
    if not isinstance(properties, dict):
        raise InvalidArguments(Text("miniprogram_runtime.track_properties"), field="properties")
    page = ctx.text("page", high=512, required=False)
    event_id = ctx.args.get("eventId")
    if event_id is None:
        event_id = secrets.token_hex(16)
    elif not isinstance(event_id, str) or not _EVENT_ID.fullmatch(event_id):
        raise InvalidArguments(Text("miniprogram_runtime.track_event_id"), field="eventId")
    event = {
        "eventId": event_id, "type": "track", "name": name, "userId": str(ctx.user_id),
        "createdAt": int(time.time() * 1000), "properties": properties,
        "context": {"miniProgram": {"appId": ctx.app_id, "version": ctx.version}},
    }
    if page:
        event["page"] = page
    try:
        outcome = await ctx.services.tracking.accept_bridge_events(app_id=ctx.app_id, user_id=ctx.user_id,
                                                                   events=[event])
    except tracking.RetryLater as exc:
        raise RetryLater(retryAfterSeconds=exc.retry_after_seconds) from None
    if outcome.rejections:
        rejection = outcome.rejections[0]
        raise EventRefused(rejection.code, rejection.reason, rejection.field)
    return {"eventId": event_id, "duplicate": bool(outcome.duplicates)}
