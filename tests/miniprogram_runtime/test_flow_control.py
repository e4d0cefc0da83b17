"""Rate limits per user and per app (in Redis, across workers) and the per-app circuit."""

from __future__ import annotations

import asyncpg
import httpx

from miniprogram_runtime.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreakers
from miniprogram_runtime.models import BridgeCallRecord
from tests.conftest import test_environ as environment_of_tests
from tests.miniprogram_runtime.support import call, error_code, released_app

STORAGE = ["getStorage", "setStorage"]


async def test_over_the_per_user_limit_is_refused_and_other_users_go_on(environ, sign_in_with):
    environ["MP_BRIDGE_LIMITS"] = "getStorage=3/1000"
    gql, runtime = await sign_in_with()
    client = gql.http
    app = await released_app(gql, client, sign_in_with.sign_in, jsapis=STORAGE)
    alice, bob = await sign_in_with.sign_in("13900000001"), await sign_in_with.sign_in("13900000002")

    answers = [await call(client, alice.access_token, app.app_id, "getStorage", {"key": "k"}) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.json()["error"]["code"] == "RATE_LIMITED" and refused.json()["error"]["limit"] == "user"
    assert int(refused.headers["retry-after"]) >= 1
    assert (await call(client, bob.access_token, app.app_id, "getStorage", {"key": "k"})).status_code == 200
    # setStorage has its own budget.
    assert (await call(client, alice.access_token, app.app_id, "setStorage", {"key": "k", "data": 1})).status_code == 200


async def test_over_the_per_app_limit_is_refused_for_every_user(environ, sign_in_with):
    environ["MP_BRIDGE_LIMITS"] = "getStorage=100/3"
    environ["MP_BRIDGE_APP_WINDOW_SECONDS"] = "60"  # a window the test cannot straddle
    gql, runtime = await sign_in_with()
    client = gql.http
    app = await released_app(gql, client, sign_in_with.sign_in, jsapis=STORAGE)
    users = [await sign_in_with.sign_in(f"1390000000{i}") for i in range(1, 5)]
    answers = [await call(client, u.access_token, app.app_id, "getStorage", {"key": "k"}) for u in users]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert answers[-1].json()["error"]["limit"] == "app"


async def test_limits_hold_across_two_app_instances(environ, sign_in_with):
    """Two app instances (as two workers) share one Redis budget."""
    environ["MP_BRIDGE_LIMITS"] = "getStorage=4/1000"
    gql, runtime = await sign_in_with()
    app = await released_app(gql, gql.http, sign_in_with.sign_in, jsapis=STORAGE)
    user = await sign_in_with.sign_in("13900000001")
    from superapp.app import create_app
    from infra.settings import Settings

    second = create_app(Settings.from_env(environ))
    async with second.router.lifespan_context(second):
        other = httpx.AsyncClient(transport=httpx.ASGITransport(app=second), base_url="http://testserver")
        async with other:
            codes = []
            for i in range(6):
                client = gql.http if i % 2 == 0 else other
                codes.append((await call(client, user.access_token, app.app_id, "getStorage", {"key": "k"})).status_code)
    assert codes == [200, 200, 200, 200, 429, 429]


async def test_a_slow_app_opens_its_circuit_and_other_apps_are_not_affected(environ, sign_in_with):
    # The slow app's calls wait on a lock held for good, so any timeout catches them; 1.5 s leaves
    # the healthy app's call room when the machine is busy (at 300 ms it timed out under load).
    environ["MP_BRIDGE_TIMEOUT_MS"] = "1500"
    environ["MP_BREAKER_FAILURES"] = "2"
    environ["MP_BREAKER_COOLDOWN_MS"] = "600000"
    gql, runtime = await sign_in_with()
    client = gql.http
    slow = await released_app(gql, client, sign_in_with.sign_in, jsapis=STORAGE)
    healthy = await released_app(gql, client, sign_in_with.sign_in, jsapis=STORAGE, phone="13900000102")
    user = await sign_in_with.sign_in("13900000001")
    assert (await call(client, user.access_token, slow.app_id, "setStorage", {"key": "k", "data": 1})).status_code == 200

    # Another session holds the user's storage row of the slow app: its writes now hang.
    holder = await asyncpg.connect(environment_of_tests()["DATABASE_URL"])
    try:
        async with holder.transaction():
            await holder.execute(
                "SELECT 1 FROM mp_runtime_storage_usage WHERE app_id = $1 AND user_id = $2 FOR UPDATE",
                slow.app_id, user.user_id,
            )
            first = await call(client, user.access_token, slow.app_id, "setStorage", {"key": "k", "data": 2})
            second = await call(client, user.access_token, slow.app_id, "setStorage", {"key": "k", "data": 3})
            assert [error_code(first), error_code(second)] == ["TIMEOUT", "TIMEOUT"]
            assert first.status_code == 504

            # Open: even a call that would be quick is refused at once, with a time to come back.
            refused = await call(client, user.access_token, slow.app_id, "getStorage", {"key": "k"})
            assert refused.status_code == 503 and error_code(refused) == "CIRCUIT_OPEN"
            assert int(refused.headers["retry-after"]) > 0
            # The other app is untouched, even for the same user.
            fine = await call(client, user.access_token, healthy.app_id, "setStorage", {"key": "k", "data": 1})
            assert fine.status_code == 200
    finally:
        await holder.close()
    value = await call(client, user.access_token, slow.app_id, "getStorage", {"key": "k"})
    assert error_code(value) == "CIRCUIT_OPEN"
    await runtime.miniprogram_runtime.bridge.audit.flush()
    outcomes = await BridgeCallRecord.filter(app_id=slow.app_id).order_by("id").values_list("outcome", flat=True)
    assert outcomes == ["OK", "TIMEOUT", "TIMEOUT", "CIRCUIT_OPEN", "CIRCUIT_OPEN"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_open_circuit_lets_one_probe_through_after_the_cooldown():
    clock = Clock()
    breakers = CircuitBreakers(failures=2, cooldown_seconds=10, concurrency=8, clock=clock)
    for _ in range(2):
        breakers.done("a", breakers.admit("a"), failed=True)
    assert breakers.state("a") == OPEN
    refused = breakers.admit("a")
    assert not refused.allowed and refused.retry_after == 10

    clock.now += 10
    probe = breakers.admit("a")
    assert probe.allowed and probe.probe and breakers.state("a") == HALF_OPEN
    assert not breakers.admit("a").allowed  # one probe at a time
    breakers.done("a", probe, failed=True)  # the probe failed: open for another cooldown
    assert breakers.state("a") == OPEN and not breakers.admit("a").allowed

    clock.now += 10
    probe = breakers.admit("a")
    breakers.done("a", probe, failed=False)
    assert breakers.state("a") == CLOSED and breakers.admit("a").allowed


def test_a_slow_success_does_not_close_a_circuit_that_opened_meanwhile():
    breakers = CircuitBreakers(failures=1, cooldown_seconds=10, concurrency=8, clock=Clock())
    slow = breakers.admit("a")
    breakers.done("a", breakers.admit("a"), failed=True)
    breakers.done("a", slow, failed=False)
    assert breakers.state("a") == OPEN


def test_an_app_over_its_concurrency_cap_is_busy():
    breakers = CircuitBreakers(failures=5, cooldown_seconds=10, concurrency=2, clock=Clock())
    running = [breakers.admit("a"), breakers.admit("a")]
    busy = breakers.admit("a")
    assert not busy.allowed and busy.busy
    assert breakers.admit("b").allowed
    breakers.done("a", running[0], failed=False)
    assert breakers.admit("a").allowed


def test_a_refusal_between_failures_neither_resets_nor_closes_the_circuit():
    """Junk between real failures cannot keep an app's circuit shut, nor close it as a probe."""
    clock = Clock()
    breakers = CircuitBreakers(failures=2, cooldown_seconds=10, concurrency=8, clock=clock)
    breakers.done("a", breakers.admit("a"), failed=True)
    breakers.done("a", breakers.admit("a"), failed=False, telling=False)
    breakers.done("a", breakers.admit("a"), failed=True)
    assert breakers.state("a") == OPEN

    clock.now += 10
    probe = breakers.admit("a")
    breakers.done("a", probe, failed=False, telling=False)
    assert breakers.state("a") == HALF_OPEN
    next_probe = breakers.admit("a")  # the probe's turn passed on
    assert next_probe.allowed and next_probe.probe
