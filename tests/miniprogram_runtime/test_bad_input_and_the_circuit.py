"""A caller's bad input is refused for that call alone and never opens the app's circuit;
failures of the platform's own dependencies still do."""

from __future__ import annotations

import asyncpg

from miniprogram_runtime.breaker import CLOSED, OPEN
from miniprogram_runtime.models import BridgeCallRecord, StorageItem
from tests.conftest import test_environ as environment_of_tests
from tests.miniprogram_runtime.support import call, error_code, released_app

STORAGE = ["getStorage", "setStorage", "removeStorage"]


def nested(depth: int) -> object:
    value: object = 1
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


async def test_arguments_nested_past_the_limit_are_invalid_input(environ, sign_in_with):
    gql, runtime = await sign_in_with()
    client = gql.http
    app = await released_app(gql, client, sign_in_with.sign_in, jsapis=STORAGE)
    user = await sign_in_with.sign_in("13900000001")

    deep = await call(client, user.access_token, app.app_id, "setStorage", {"key": "k", "data": nested(300)})
    assert deep.status_code == 400, deep.text
    assert deep.json()["error"] == {
        "code": "INVALID_INPUT", "field": "data",
        "message": "参数最多嵌套 32 层",
    }
    # Any API's arguments, not only setStorage's.
    other = await call(client, user.access_token, app.app_id, "getStorage", {"key": "k", "extra": nested(40)})
    assert other.status_code == 400 and error_code(other) == "INVALID_INPUT"
    assert other.json()["error"]["field"] == "extra"
    # At the limit (the args object is the first level) a value is stored and read back.
    over = await call(client, user.access_token, app.app_id, "setStorage", {"key": "k", "data": nested(32)})
    assert error_code(over) == "INVALID_INPUT"
    fits = nested(31)
    assert (await call(client, user.access_token, app.app_id, "setStorage", {"key": "k", "data": fits})).status_code == 200
    read = await call(client, user.access_token, app.app_id, "getStorage", {"key": "k"})
    assert read.json()["result"]["data"] == fits


async def test_the_depth_limit_is_a_setting(environ, sign_in_with):
    environ["MP_BRIDGE_MAX_ARGS_DEPTH"] = "4"
    gql, runtime = await sign_in_with()
    app = await released_app(gql, gql.http, sign_in_with.sign_in, jsapis=STORAGE)
    user = await sign_in_with.sign_in("13900000001")
    ok = await call(gql.http, user.access_token, app.app_id, "setStorage", {"key": "k", "data": {"a": [[1]]}})
    refused = await call(gql.http, user.access_token, app.app_id, "setStorage", {"key": "k", "data": {"a": [[[1]]]}})
    assert ok.status_code == 200 and error_code(refused) == "INVALID_INPUT"
    assert refused.json()["error"]["message"] == "参数最多嵌套 4 层"


BAD_CALLS = [
    ("setStorage", {"key": "k", "data": nested(300)}),
    ("setStorage", {"key": "k\u0000", "data": 1}),  # PostgreSQL text holds no NUL
    ("getStorage", {"key": "\u0000"}),
    ("removeStorage", {"key": "a\u0000b"}),
    ("setStorage", {"key": "k", "data": {"\u0000": 1}}),
    ("setStorage", {"key": "k"}),
    ("setStorage", {"key": 7, "data": 1}),
    ("getStorage", {"key": "x" * 500}),
    ("setStorage", {"key": "k", "data": "x" * 300_000}),
    ("getStorage", {"key": "k", "deep": nested(500)}),
]


async def _app_whose_circuit_opens_after_two_failures(environ, sign_in_with):
    environ["MP_BREAKER_FAILURES"] = "2"
    environ["MP_BREAKER_COOLDOWN_MS"] = "600000"
    gql, runtime = await sign_in_with()
    app = await released_app(gql, gql.http, sign_in_with.sign_in, jsapis=STORAGE)
    return gql.http, runtime, app


async def test_many_bad_calls_never_open_the_circuit_and_others_go_on(environ, sign_in_with):
    client, runtime, app = await _app_whose_circuit_opens_after_two_failures(environ, sign_in_with)
    mallory, alice = await sign_in_with.sign_in("13900000001"), await sign_in_with.sign_in("13900000002")

    answers = [await call(client, mallory.access_token, app.app_id, api, args) for api, args in BAD_CALLS * 2]
    assert {r.status_code for r in answers} == {400}, [r.text for r in answers if r.status_code != 400]
    assert {error_code(r) for r in answers} == {"INVALID_INPUT"}

    assert runtime.miniprogram_runtime.bridge.breakers.state(app.app_id) == CLOSED
    fine = await call(client, alice.access_token, app.app_id, "setStorage", {"key": "k", "data": {"n": 1}})
    assert fine.status_code == 200, fine.text
    assert await StorageItem.filter(app_id=app.app_id, user_id=mallory.user_id).count() == 0
    await runtime.miniprogram_runtime.bridge.audit.flush()
    outcomes = await BridgeCallRecord.filter(app_id=app.app_id).values_list("outcome", flat=True)
    assert sorted(set(outcomes)) == ["INVALID_INPUT", "OK"]


async def test_a_failing_database_still_opens_the_circuit(environ, sign_in_with):
    client, runtime, app = await _app_whose_circuit_opens_after_two_failures(environ, sign_in_with)
    user = await sign_in_with.sign_in("13900000001")

    # The storage table goes missing under the running app: a real failure of its database.
    admin = await asyncpg.connect(environment_of_tests()["DATABASE_URL"])
    try:
        await admin.execute("ALTER TABLE mp_runtime_storage_item RENAME TO mp_runtime_storage_item_away")
        try:
            failed = [await call(client, user.access_token, app.app_id, "getStorage", {"key": "k"}) for _ in range(2)]
        finally:
            await admin.execute("ALTER TABLE mp_runtime_storage_item_away RENAME TO mp_runtime_storage_item")
    finally:
        await admin.close()
    assert [(r.status_code, error_code(r)) for r in failed] == [(500, "INTERNAL")] * 2
    assert runtime.miniprogram_runtime.bridge.breakers.state(app.app_id) == OPEN
    refused = await call(client, user.access_token, app.app_id, "getStorage", {"key": "k"})
    assert refused.status_code == 503 and error_code(refused) == "CIRCUIT_OPEN"
