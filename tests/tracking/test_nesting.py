"""Deep nesting: an event nested past the limit is rejected alone; the batch's others are kept."""

from __future__ import annotations

import orjson
import pytest

from tests.tracking.support import batch_body, drain, event
from tracking.models import TrackedEvent

NESTED = "__nested__"


def nested(levels: int) -> bytes:
    """JSON text of ``levels`` objects inside each other (orjson cannot write past 254)."""
    return b'{"n":' * levels + b'"leaf"' + b"}" * levels


def with_nested(events: list, *levels: int) -> bytes:
    """The batch's JSON with each placeholder replaced, in order, by that many levels."""
    raw = batch_body(events)
    for depth in levels:
        raw = raw.replace(orjson.dumps(NESTED), nested(depth), 1)
    return raw


async def test_an_event_nested_past_the_limit_is_rejected_alone(client, runtime):
    # given a batch with good events, one nested exactly to the limit (32 levels counting the
    # event itself), and events nested past it: in properties (33, 300 levels), in a field the
    # protocol does not know (300), and deeper than JSON is read to at all (2,000)
    good = event("$page", page="/cards")
    at_limit = event("$page", properties=NESTED)
    one_past = event("$page", properties=NESTED)
    deep = event("$page", properties=NESTED)
    deep_unknown = event("$page", note=NESTED)
    deeper_than_json = event("$page", properties=NESTED)
    also_good = event("$page", page="/wealth")
    raw = with_nested([good, at_limit, one_past, deep, deep_unknown, deeper_than_json, also_good],
                      31, 32, 300, 300, 2000)

    # when the app sends it
    response = await client.post("/track/batch", content=raw)

    # then each deep event is rejected by index with its code, and the others are kept
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == 3
    assert [(r["index"], r["code"], r["field"]) for r in body["rejected"]] == [
        (2, "EVENT_TOO_DEEP", "properties"),
        (3, "EVENT_TOO_DEEP", "properties"),
        (4, "EVENT_TOO_DEEP", "note"),
        (5, "EVENT_TOO_DEEP", None),
    ]
    assert [r["eventId"] for r in body["rejected"][:3]] == [one_past["eventId"], deep["eventId"], deep_unknown["eventId"]]
    assert await drain(runtime) == 3
    stored = await TrackedEvent.all().order_by("id").values_list("event_id", flat=True)
    assert sorted(stored) == sorted([good["eventId"], at_limit["eventId"], also_good["eventId"]])
    kept = await TrackedEvent.get(event_id=at_limit["eventId"])
    assert orjson.dumps(kept.properties) == nested(31)


@pytest.mark.parametrize("body", [
    pytest.param(b"[" * 5000 + b"]" * 5000, id="the whole body"),
    pytest.param(b'{"sentAt": ' + nested(2000) + b', "batch": []}', id="sentAt"),
    pytest.param(b'{"batch": [], "extra": ' + nested(1500) + b"}", id="a field beside the batch"),
    pytest.param(b'{"batch": {"n": ' + nested(1500) + b"}}", id="a batch that is no list"),
])
async def test_a_body_nested_too_deep_outside_its_events_is_a_typed_400(client, runtime, body):
    response = await client.post("/track/batch", content=body)

    assert response.status_code == 400, response.text
    assert response.json()["code"] == "BATCH_TOO_DEEP"
    assert await runtime.redis.xlen(runtime.tracking.config.stream) == 0


async def test_a_deep_batch_that_is_not_json_either_is_refused_as_such(client, runtime):
    # deep, and then broken: an unterminated string after a 1,100-level event
    broken = b'{"batch": [' + b"[" * 1100 + b"]" * 1100 + b', "\\"\\"\\"'

    response = await client.post("/track/batch", content=broken)

    assert (response.status_code, response.json()["code"]) == (400, "INVALID_JSON")


async def test_an_event_nested_300_deep_no_longer_fails_its_batch(client, runtime):
    # what was seen: a batch answered 500 and its valid events were lost
    good = event("$page", page="/home")
    raw = with_nested([good, event("$page", properties=NESTED)], 300)

    response = await client.post("/track/batch", content=raw)

    assert response.status_code == 200, response.text
    assert (response.json()["accepted"], response.json()["rejected"][0]["code"]) == (1, "EVENT_TOO_DEEP")
    assert await drain(runtime) == 1
