"""The callback the network posts to: only a fresh notification signed by the network, in the
protocol's shape, is booked; anything else gets a typed 4xx and moves nothing. The bank signs
its answers."""

from __future__ import annotations

import base64
import json
import time

import httpx

from clearing.models import CardMovement
from fakes.cardnetwork import signing as network_signing
from infra.settings import Settings
from ledger.models import Account
from superapp.app import create_app
from tests.clearing.support import CALLBACK, TOP_UP, entries, result_note, signed_by_network


async def _pending_top_up(bank, alice, key: str) -> str:
    await bank.network.fault("no_notification")
    result = await bank.gql(TOP_UP, alice.money(10_00, key), token=alice.token)
    return result["data"]["topUp"]["movement"]["id"]


async def post(bank, body: bytes, headers: dict):
    return await bank.gql.http.post(CALLBACK, content=body, headers=headers)


async def test_a_valid_notification_is_acknowledged_with_a_signed_answer(open_bank):
    bank = await open_bank(CLEARING_ANSWER_WAIT_MS="0")
    alice = await bank.customer()
    movement_id = await _pending_top_up(bank, alice, "callback-ok-1")
    body = result_note(movement_id, 10_00)

    answer = await post(bank, body, signed_by_network(bank.network, body))

    assert answer.status_code == 200
    assert answer.json() == {"acknowledged": True, "requestId": movement_id, "status": "SUCCEEDED"}
    bank_key = network_signing.public_key(bank.network.bank_public_key)
    assert network_signing.verify(bank_key, answer.headers, "RESPONSE", CALLBACK, answer.content) is None
    assert await alice.balance() == 10_00


async def test_a_badly_signed_notification_moves_nothing(open_bank):
    bank = await open_bank(CLEARING_ANSWER_WAIT_MS="0")
    alice = await bank.customer()
    movement_id = await _pending_top_up(bank, alice, "callback-sig-1")
    body = result_note(movement_id, 10_00)
    other_key = base64.b64encode(b"\x07" * 32).decode()
    stale = signed_by_network(bank.network, body)
    stale_timestamp = str(int(time.time()) - 3_600)
    stale |= {"X-Cnet-Timestamp": stale_timestamp}

    attempts = {
        "another key": signed_by_network(bank.network, body, seed=other_key),
        "unsigned": {"Content-Type": "application/json"},
        "another path": signed_by_network(bank.network, body, path="/elsewhere"),
        "an hour old": stale,
        "another body": signed_by_network(bank.network, body.replace(b"1000", b"9000")),
    }
    for why, headers in attempts.items():
        answer = await post(bank, body, headers)
        assert answer.status_code == 401, why
        assert answer.json()["error"]["code"] == "BAD_SIGNATURE", why
    assert await alice.balance() == 0 and await entries("topup") == 0
    assert (await CardMovement.get(request_id=movement_id)).status.value == "pending"


async def test_a_replayed_notification_is_refused_by_every_worker(open_bank, environ):
    bank = await open_bank(CLEARING_ANSWER_WAIT_MS="0")
    alice = await bank.customer()
    body = json.dumps({"type": "INBOUND_CREDIT", "networkRef": "N1", "requestId": "in-replay-1", "status": "SUCCEEDED",
                       "amount": 8_00, "currency": "CNY", "declineReason": None,
                       "settledAt": "2026-12-01T02:03:04.567Z", "payeeAccount": (await Account.get(id=alice.account.id)).number,
                       "payerName": "", "payerBank": "ABC"}).encode()
    headers = signed_by_network(bank.network, body)

    other_worker = create_app(Settings.from_env(environ))  # another process of the same bank, same Redis

    first = await post(bank, body, headers)
    replay = await post(bank, body, headers)
    async with other_worker.router.lifespan_context(other_worker), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=other_worker), base_url="http://bank") as http:
        replay_elsewhere = await http.post(CALLBACK, content=body, headers=headers)

    assert first.status_code == 200
    for refused in (replay, replay_elsewhere):
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "REPLAYED_NONCE"
    assert await alice.balance() == 8_00


MALFORMED = [
    b"not json",
    b"[1, 2]",
    b"[" * 5_000 + b"]" * 5_000,
    b'{"type": "DEBIT_RESULT"}',
    b'{"type": "SOMETHING", "networkRef": "N1", "requestId": "T1", "status": "SUCCEEDED", "amount": 1,'
    b' "currency": "CNY", "settledAt": "2026-12-01T02:03:04Z"}',
]
BAD_FIELDS = [
    {"amount": 0}, {"amount": -10_00}, {"amount": 10.5}, {"amount": "1000"}, {"amount": True},
    {"currency": "cny"}, {"status": "PENDING"}, {"settledAt": "yesterday"}, {"settledAt": "2026-12-01T02:03:04"},
    {"requestId": "has spaces"}, {"unexpected": 1},
]


async def test_a_malformed_notification_is_refused_and_moves_nothing(open_bank):
    bank = await open_bank(CLEARING_ANSWER_WAIT_MS="0")
    alice = await bank.customer()
    movement_id = await _pending_top_up(bank, alice, "callback-bad-1")
    bodies = MALFORMED + [json.dumps(json.loads(result_note(movement_id, 10_00)) | change).encode()
                          for change in BAD_FIELDS]

    for body in bodies:
        answer = await post(bank, body, signed_by_network(bank.network, body))
        assert answer.status_code == 400, body[:80]
        assert answer.json()["error"]["code"] == "MALFORMED_NOTIFICATION", body[:80]
    assert await alice.balance() == 0 and await entries("topup") == 0
    assert (await CardMovement.get(request_id=movement_id)).status.value == "pending"


async def test_a_result_for_a_movement_never_asked_for_is_refused(open_bank):
    bank = await open_bank()
    body = result_note("T00000000000000000000000", 10_00)

    answer = await post(bank, body, signed_by_network(bank.network, body))

    assert answer.status_code == 404 and answer.json()["error"]["code"] == "UNKNOWN_MOVEMENT"


async def test_an_oversized_notification_is_refused(open_bank):
    bank = await open_bank()
    body = b'{"type": "DEBIT_RESULT", "pad": "' + b"x" * 20_000 + b'"}'

    answer = await post(bank, body, signed_by_network(bank.network, body))

    assert answer.status_code == 413 and answer.json()["error"]["code"] == "TOO_LARGE"
