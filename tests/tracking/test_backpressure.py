"""When the worker falls behind, ingest says "retry later" instead of dropping events."""

from __future__ import annotations

import pytest

from tests.tracking.support import drain, event, send
from tracking.models import TrackedEvent


@pytest.fixture
def environ(environ):
    environ["TRACKING_MAX_BACKLOG"] = "20"
    environ["TRACKING_RETRY_AFTER_SECONDS"] = "7"
    return environ


async def test_a_stream_too_far_behind_answers_retry_later(client, runtime):
    # given no worker running and 20 events waiting to be stored
    waiting = await send(client, [event("$page", page=f"/p{i}") for i in range(20)])
    assert waiting.json()["accepted"] == 20

    # when the app sends another batch
    late = event("$page", page="/late")
    refused = await send(client, [late])

    # then it is told to retry later, with a typed code, and nothing of the batch was kept
    assert refused.status_code == 503
    assert refused.json()["code"] == "RETRY_LATER"
    assert refused.headers["retry-after"] == "7"
    assert await runtime.redis.xlen(runtime.tracking.config.stream) == 20

    # and once the worker has caught up, the same batch is accepted and everything is stored
    assert await drain(runtime) == 20
    assert (await send(client, [late])).json()["accepted"] == 1
    await drain(runtime)
    assert await TrackedEvent.all().count() == 21
