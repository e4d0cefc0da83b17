"""Nesting limits: an event nested too deep is refused alone, never the batch around it.

Two depths matter. An event may nest ``max_event_depth`` levels (the event object is level 1);
deeper ones are rejected with ``EVENT_TOO_DEEP`` (orjson cannot even write JSON deeper than
254 levels, so such an event once failed its whole batch). And orjson reads at most 1,024
levels: a batch holding a deeper event is split here into its events by a scanner that keeps
no stack, so its other events are still kept. Nesting that deep outside the events refuses
the batch (400 ``BATCH_TOO_DEEP``).
"""

from __future__ import annotations

import re

import orjson

from infra.i18n import Text
from tracking.errors import BatchRejected

# The scanner runs only for batches orjson refused for depth; it is linear in the body:
# each regex call starts where the previous token ended, and strings are skipped whole.
_TOKEN = re.compile(rb'"|[\[{]+|[\]}]+|[,:]')
_TOKEN_INSIDE_EVENT = re.compile(rb'"|[\[{]+|[\]}]+')  # commas and colons of an event don't matter
_STRING_REST = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*"')


class TooDeep:
    """Stands in the batch for an event nested deeper than the JSON reader goes."""

    __slots__ = ()


TOO_DEEP = TooDeep()


def too_deep_field(event: dict, limit: int) -> str | None:
    """The top-level key under which ``event`` nests more than ``limit`` levels, if any."""
    for key, value in event.items():
        kind = type(value)
        if (kind is dict or kind is list) and _deeper_than(value, limit - 1):
            return key
    return None


def _deeper_than(value: dict | list, limit: int) -> bool:
    # Level by level, without recursion; type() checks: this runs for every event
    # (~1.5 us for a typical one, measured against ~6 us for the rest of its checks).
    level, depth = [value], 1
    while level:
        if depth > limit:
            return True
        below = []
        for container in level:
            for child in container.values() if type(container) is dict else container:
                kind = type(child)
                if kind is dict or kind is list:
                    below.append(child)
        level, depth = below, depth + 1
    return False


def is_depth_error(error: orjson.JSONDecodeError) -> bool:
    return "depth limit" in str(error)


def split_deep_batch(raw: bytes, *, max_events: int) -> dict:
    """The batch document, its ``batch`` events parsed one by one (``TOO_DEEP`` where needed)."""
    start, end, spans = _batch_spans(raw, max_events)
    try:
        document = orjson.loads(raw[:start] + b"[]" + raw[end:])
    except orjson.JSONDecodeError as exc:
        if is_depth_error(exc):
            raise _too_deep() from None
        raise _not_json() from None
    if not isinstance(document, dict):
        raise BatchRejected("INVALID_BATCH", Text("tracking.not_a_batch"))
    events: list = []
    for first, last in spans:
        try:
            events.append(orjson.loads(raw[first:last]))
        except orjson.JSONDecodeError as exc:
            if not is_depth_error(exc):
                raise _not_json() from None
            events.append(TOO_DEEP)
    document["batch"] = events
    return document


def _batch_spans(raw: bytes, max_events: int) -> tuple[int, int, list[tuple[int, int]]]:
    """Where the top-level ``batch`` array starts and ends, and each of its items' spans."""
    depth, pos, key, last_string = 0, 0, None, b""
    start = end = -1
    item_start, spans = -1, []
    while True:
        found = (_TOKEN_INSIDE_EVENT if depth > 2 else _TOKEN).search(raw, pos)
        if found is None:
            break
        token, pos = found.group(), found.end()
        char = token[:1]
        if char == b'"':
            rest = _STRING_REST.match(raw, pos)
            if rest is None:
                raise _not_json()
            if depth == 1:
                last_string = raw[found.start():rest.end()]
            pos = rest.end()
        elif char == b":":
            key = last_string if depth == 1 else key
        elif char == b",":
            if depth == 1:
                key = None
            elif depth == 2 and item_start >= 0:
                spans.append((item_start, found.start()))
                item_start = pos
                if len(spans) >= max_events:  # the last item still follows: stop reading here
                    raise too_many_events(max_events)
        elif char in b"[{":
            if depth == 1 and char == b"[" and _is_batch_key(key):
                # the item begins right after this bracket; a later "batch" wins, as in orjson
                start, item_start, spans = found.start(), found.start() + 1, []
            depth += len(token)
        else:
            if depth >= 2 and depth - len(token) <= 1 and item_start >= 0:
                close = found.start() + depth - 2  # the bracket that closes depth 2
                spans.append((item_start, close))
                end, item_start = close + 1, -1
            depth -= len(token)
    if start < 0 or end < 0:
        raise _too_deep()
    if len(spans) == 1 and not raw[spans[0][0]:spans[0][1]].strip():
        spans = []  # "batch": []
    return start, end, spans


def _is_batch_key(key: bytes | None) -> bool:
    if key is None:
        return False
    try:
        return orjson.loads(key) == "batch"
    except orjson.JSONDecodeError:
        return False


def too_many_events(limit: int) -> BatchRejected:
    return BatchRejected("TOO_MANY_EVENTS", Text("tracking.too_many_events", max=limit), status=413)


def _too_deep() -> BatchRejected:
    return BatchRejected("BATCH_TOO_DEEP", Text("tracking.batch_too_deep", max=1024))


def _not_json() -> BatchRejected:
    return BatchRejected("INVALID_JSON", Text("tracking.not_json"))
