"""POST /track/batch: what the SDK sends, what it is told, and what ends up stored."""

from __future__ import annotations

import gzip

import orjson

from tests.tracking.support import drain, event, send, utc
from tracking.models import IdentityLink, TrackedEvent


async def test_a_batch_is_stored_once_with_device_and_server_times(client, runtime):
    # given a page view and a click the device held for 90 s before sending
    page = event("$page", page="/wealth/funds", referrer="/home")
    click = event("$click", properties={"placement": "home-banner-1"}, at=utc(2026, 11, 20, 8, 0, 0))

    # when the SDK sends them
    response = await send(client, [page, click])

    # then both are accepted, and after the worker runs both are stored
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 2, "duplicates": [], "rejected": [], "anonymized": []}
    assert await drain(runtime) == 2
    stored = await TrackedEvent.get(event_id=click["eventId"])
    assert stored.name == "$click" and stored.properties == {"placement": "home-banner-1"}
    assert stored.context["deviceModel"] == "iPhone15,2"
    held_ms = click["sentAt"] - click["createdAt"]
    assert stored.event_ms == int(stored.received_at.timestamp() * 1000) - held_ms
    assert (await TrackedEvent.get(event_id=page["eventId"])).referrer == "/home"


async def test_a_wrong_device_clock_does_not_move_the_event(client, runtime):
    # given a device whose clock runs three hours ahead, reporting an event of 2026-11-20 08:00 UTC
    skewed = event("$page", at=utc(2026, 11, 20, 8, 0, 0), clock_ahead_ms=3 * 3600 * 1000)

    await send(client, [skewed])
    await drain(runtime)

    # then the device's own times are kept, and the corrected time is the real one (to the second)
    stored = await TrackedEvent.get(event_id=skewed["eventId"])
    assert stored.device_created_at.isoformat().startswith("2026-11-20T11:00:00")
    assert stored.event_at.isoformat().startswith("2026-11-20T08:00:0")


async def test_resending_a_batch_stores_nothing_twice(client, runtime):
    # given a batch the app sent, whose answer it never saw
    events = [event("$page", page=f"/p{i}") for i in range(5)]
    first = await send(client, events)

    # when it sends the same batch again (and one event twice inside a batch)
    again = await send(client, [*events, events[0]])

    # then the second answer names them as duplicates and each is stored once
    assert first.json()["accepted"] == 5
    assert again.json()["accepted"] == 0
    assert sorted(again.json()["duplicates"]) == sorted([e["eventId"] for e in events] + [events[0]["eventId"]])
    await drain(runtime)
    assert await TrackedEvent.all().count() == 5


async def test_bad_events_are_listed_and_the_good_ones_kept(client, runtime):
    good = event("$page", page="/cards")
    no_id = event("$page")
    del no_id["eventId"]
    bad_type = event("$page", type="screen")
    no_visitor = event("$page", anonymous_id="")
    page_without_page = event("$page", page=None)
    unknown = event("coupon_claimed")
    bad_time = event("$page", createdAt="yesterday")
    not_an_object = "hello"

    response = await send(client, [no_id, good, bad_type, no_visitor, page_without_page, unknown, bad_time, not_an_object])

    body = response.json()
    assert response.status_code == 200
    assert body["accepted"] == 1
    assert [(r["index"], r["code"], r["field"]) for r in body["rejected"]] == [
        (0, "INVALID_FIELD", "eventId"),
        (2, "INVALID_FIELD", "type"),
        (3, "MISSING_FIELD", "anonymousId"),
        (4, "MISSING_FIELD", "page"),
        (5, "UNKNOWN_EVENT", "name"),
        (6, "INVALID_FIELD", "createdAt"),
        (7, "INVALID_EVENT", None),
    ]
    assert all(r["reason"] for r in body["rejected"])
    await drain(runtime)
    assert await TrackedEvent.all().values_list("event_id", flat=True) == [good["eventId"]]


async def test_gzip_batches_are_accepted(client, runtime):
    events = [event("$page", page=f"/p{i}") for i in range(50)]

    response = await send(client, events, gzipped=True)

    assert response.json()["accepted"] == 50
    assert await drain(runtime) == 50


async def test_a_gzip_bomb_is_refused_without_inflating_it(client, runtime):
    # given 60 MB of zeros that gzip to about 60 KB, well under the wire limit
    bomb = gzip.compress(b'{"batch": [' + b" " * 60_000_000 + b"]}")
    assert len(bomb) < 1_000_000

    response = await client.post("/track/batch", content=bomb, headers={"content-encoding": "gzip"})

    assert response.status_code == 413
    assert response.json()["code"] == "BATCH_TOO_LARGE"
    assert await runtime.redis.xlen(runtime.tracking.config.stream) == 0


async def test_batch_and_event_limits(client, runtime):
    too_many = await send(client, [event("$page") for _ in range(501)])
    assert too_many.status_code == 413 and too_many.json()["code"] == "TOO_MANY_EVENTS"

    big = event("$click", properties={"placement": "x" * 100}, note="n" * 33_000)
    small = event("$page")
    mixed = await send(client, [big, small])
    assert mixed.json()["accepted"] == 1
    assert mixed.json()["rejected"][0]["code"] == "EVENT_TOO_LARGE"

    plain = b'{"batch": [' + b" " * 520_000 + b"]}"
    too_big = await client.post("/track/batch", content=plain)
    assert too_big.status_code == 413 and too_big.json()["code"] == "BATCH_TOO_LARGE"

    two_members = gzip.compress(b'{"batch": []}') + gzip.compress(b"{}")
    refused = await client.post("/track/batch", content=two_members, headers={"content-encoding": "gzip"})
    assert refused.status_code == 400 and refused.json()["code"] == "INVALID_GZIP"

    not_json = await client.post("/track/batch", content=b"{nope")
    assert not_json.status_code == 400 and not_json.json()["code"] == "INVALID_JSON"


async def test_personal_numbers_are_masked_and_the_ip_is_not_kept(client, runtime):
    # given properties holding a phone number, an ID number and a card number
    leaky = event("$click", properties={
        "placement": "transfer-to 13812345678",
        "note": "id 110101199003074514, card 6222021234567890123",
        "nested": [{"phone": 13912345678}],
    }, page="/pay?phone=13700001111")

    await send(client, [leaky])
    await drain(runtime)

    stored = await TrackedEvent.get(event_id=leaky["eventId"])
    text = orjson.dumps([stored.properties, stored.page, stored.referrer]).decode()
    for secret in ("13812345678", "110101199003074514", "6222021234567890123", "13912345678", "13700001111"):
        assert secret not in text
    assert stored.properties["placement"] == "transfer-to 138****5678"
    assert stored.properties["nested"] == [{"phone": "139****5678"}]
    # the client address (10.1.2.3 in tests) is kept only as a keyed hash
    assert stored.ip_hash and "10.1.2.3" not in stored.ip_hash
    assert stored.ip_hash == runtime.cipher.blind_index("10.1.2.3", purpose="tracking-ip")


async def test_identify_links_the_device_to_the_user(client, runtime, sign_in):
    customer = await sign_in("13900000042")
    before = event("$page", anonymous_id="device-abc")
    identify = event(kind="identify", name="", anonymous_id="device-abc", user_id=str(customer.user_id))

    response = await send(client, [before, identify], token=customer.access_token)
    await drain(runtime)

    assert response.json()["accepted"] == 2
    link = await IdentityLink.get(anonymous_id="device-abc")
    assert link.user_id == str(customer.user_id)


async def test_text_with_nul_characters_is_refused_before_it_reaches_storage(client, runtime):
    poisoned = event("$click", properties={"placement": "banner\u0000"})
    fine = event("$page")

    answer = (await send(client, [poisoned, fine])).json()

    assert answer["accepted"] == 1
    assert answer["rejected"][0]["code"] == "INVALID_EVENT"
