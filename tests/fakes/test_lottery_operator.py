"""The fake lottery operator keeps its protocol (fakes/lottery/PROTOCOL.md): signatures both
ways, a ticket reserved once and confirmed or cancelled, queries, the signed settlement file
and every fault. Spoken to with the fake's own signing, apart from the bank's client."""

from __future__ import annotations

import base64
import hashlib
import json

import httpx
import pytest

from fakes.lottery import signing
from tests.lottery_operator import lottery_operator, today

CODE = "480613"


class Bank:
    def __init__(self, operator, http: httpx.AsyncClient) -> None:
        self.key = signing.private_key(operator.bank_seed)
        self.operator_key = signing.public_key(operator.public_key)
        self.http = http

    async def call(self, method: str, path: str, payload: dict | None = None, *, key=None) -> httpx.Response:
        body = json.dumps(payload).encode() if payload is not None else b""
        headers = signing.signed_headers(key or self.key, "bank-1", method, path, body)
        answer = await self.http.request(method, path, content=body, headers=headers)
        if answer.status_code < 500:  # every answer is the operator's, signed
            assert signing.verify(self.operator_key, answer.headers, "RESPONSE", path, answer.content) is None
        return answer

    async def reserve(self, ticket: str, reservation_id: str, *, code: str = CODE, amount: int = 1_000):
        return await self.call("POST", "/loto/v1/reservations", {
            "reservationId": reservation_id, "ticketNumber": ticket, "amount": amount,
            "securityCodeHash": signing.code_hash(ticket, code)})


@pytest.fixture
async def wire():
    async with lottery_operator() as operator:
        async with httpx.AsyncClient(base_url=operator.url, timeout=10) as http:
            yield operator, Bank(operator, http)


async def test_a_ticket_is_reserved_once_confirmed_and_then_paid(wire):
    operator, bank = wire
    ticket = await operator.ticket(prize=1_000)

    looked_up = (await bank.call("GET", f"/loto/v1/tickets/{ticket}")).json()
    assert looked_up["state"] == "UNCLAIMED" and looked_up["securityCodeHash"] == signing.code_hash(ticket, CODE)
    assert CODE not in json.dumps(looked_up)  # the operator keeps only the hash
    first = await bank.reserve(ticket, "R-1")
    assert first.status_code == 201 and first.json()["state"] == "RESERVED"
    assert (await bank.reserve(ticket, "R-1")).status_code == 200  # the same id again: the same reservation
    assert (await bank.reserve(ticket, "R-2")).json()["error"]["code"] == "ALREADY_RESERVED"
    confirmed = await bank.call("POST", "/loto/v1/reservations/R-1/confirm", {"bankRef": "entry-1"})
    assert confirmed.json()["state"] == "CONFIRMED"
    again = await bank.call("POST", "/loto/v1/reservations/R-1/confirm", {"bankRef": "entry-1"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "ALREADY_CONFIRMED"
    assert (await bank.call("POST", "/loto/v1/reservations/R-1/cancel")).json()["error"]["code"] == "ALREADY_CONFIRMED"
    assert (await bank.call("GET", "/loto/v1/reservations/R-1")).json()["state"] == "CONFIRMED"
    assert await operator.ticket_state(ticket) == "PAID"
    assert (await bank.reserve(ticket, "R-3")).json()["error"]["code"] == "ALREADY_PAID"


async def test_a_cancelled_reservation_frees_the_ticket(wire):
    operator, bank = wire
    ticket = await operator.ticket(prize=1_000)
    await bank.reserve(ticket, "R-1")
    assert (await bank.call("POST", "/loto/v1/reservations/R-1/cancel")).json()["state"] == "CANCELLED"
    assert await operator.ticket_state(ticket) == "UNCLAIMED"
    assert (await bank.call("POST", "/loto/v1/reservations/R-1/confirm", {"bankRef": "x"})).status_code == 409
    assert (await bank.reserve(ticket, "R-2")).status_code == 201


async def test_refusals_are_typed_and_signed(wire):
    operator, bank = wire
    ticket = await operator.ticket(prize=1_000)
    assert (await bank.reserve(ticket, "R-1", code="000000")).json()["error"]["code"] == "WRONG_SECURITY_CODE"
    assert (await bank.reserve(ticket, "R-1", amount=999)).json()["error"]["code"] == "WRONG_AMOUNT"
    assert (await bank.reserve("20990000000000000000", "R-1")).json()["error"]["code"] == "UNKNOWN_TICKET"
    assert (await bank.call("GET", "/loto/v1/reservations/R-9")).json()["error"]["code"] == "NOT_FOUND"
    assert (await bank.call("GET", "/loto/v1/tickets/12ab")).json()["error"]["code"] == "BAD_REQUEST"
    assert await operator.ticket_state(ticket) == "UNCLAIMED"


async def test_a_request_not_signed_by_the_bank_or_replayed_is_refused(wire):
    operator, bank = wire
    ticket = await operator.ticket(prize=1_000)
    stranger = signing.private_key(base64.b64encode(b"s" * 32).decode())
    forged = await bank.call("GET", f"/loto/v1/tickets/{ticket}", key=stranger)
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "BAD_SIGNATURE"
    headers = signing.signed_headers(bank.key, "bank-1", "GET", f"/loto/v1/tickets/{ticket}", b"")
    assert (await bank.http.get(f"/loto/v1/tickets/{ticket}", headers=headers)).status_code == 200
    replayed = await bank.http.get(f"/loto/v1/tickets/{ticket}", headers=headers)
    assert replayed.status_code == 401 and "nonce" in replayed.json()["error"]["message"]


async def test_the_settlement_file_lists_the_days_confirmations_under_a_signed_trailer(wire):
    operator, bank = wire
    for n, prize in enumerate((1_000, 2_500)):
        ticket = await operator.ticket(prize=prize)
        await bank.reserve(ticket, f"R-{n}", amount=prize)
        await bank.call("POST", f"/loto/v1/reservations/R-{n}/confirm", {"bankRef": f"entry-{n}"})
    await bank.reserve(await operator.ticket(prize=700), "R-unconfirmed", amount=700)

    path = f"/loto/v1/settlements/{today().isoformat()}"
    text = (await bank.http.get(path, headers=signing.signed_headers(bank.key, "bank-1", "GET", path, b""))).text
    *lines, trailer = text.splitlines()
    assert lines[0] == "reservationId,ticketNumber,game,draw,amount,confirmedAt"
    assert [line.split(",")[0] for line in lines[1:]] == ["R-0", "R-1"]
    _, count, total, digest, signature = trailer.split(",")
    assert (count, total) == ("2", "3500")
    assert digest == hashlib.sha256("".join(f"{line}\n" for line in lines).encode()).hexdigest()
    bank.operator_key.verify(base64.b64decode(signature),
                             f"LOTO-V1-SETTLEMENT\n{today().isoformat()}\n2\n3500\n{digest}".encode())


async def test_faults_answer_as_they_say(wire):
    operator, bank = wire
    ticket = await operator.ticket(prize=1_000)
    await operator.configure(hang_ms=50)
    await operator.fault("timeout", step="reserve", ticket=ticket, processed=True)
    assert (await bank.reserve(ticket, "R-1")).status_code == 504
    assert (await bank.call("GET", "/loto/v1/reservations/R-1")).json()["state"] == "RESERVED"  # booked anyway
    await operator.fault("duplicate_confirmation", step="confirm")
    duplicate = await bank.call("POST", "/loto/v1/reservations/R-1/confirm", {"bankRef": "e"})
    assert duplicate.json()["error"]["code"] == "ALREADY_CONFIRMED"
    assert (await bank.call("GET", "/loto/v1/reservations/R-1")).json()["state"] == "CONFIRMED"

    other = await operator.ticket(prize=1_000)
    await operator.fault("timeout", step="reserve", ticket=other)
    assert (await bank.reserve(other, "R-2")).status_code == 504
    assert (await bank.call("GET", "/loto/v1/reservations/R-2")).status_code == 404  # never seen
    await operator.fault("unknown_ticket", step="lookup", ticket=other)
    assert (await bank.call("GET", f"/loto/v1/tickets/{other}")).json()["error"]["code"] == "UNKNOWN_TICKET"
    await operator.fault("paid_elsewhere", step="reserve", ticket=other)
    assert (await bank.reserve(other, "R-3")).json()["error"]["code"] == "ALREADY_PAID"
    assert await operator.ticket_state(other) == "PAID_ELSEWHERE"
