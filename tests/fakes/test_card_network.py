"""The fake card network keeps its protocol (fakes/cardnetwork/PROTOCOL.md): signatures both
ways, accepted-then-notified movements, queries, the settlement file and every fault."""

from __future__ import annotations

import asyncio
import base64
import csv
import hashlib
import io
import json
import socket
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fakes.cardnetwork import signing
from tests.card_network import card_network

CARD = "6222021234567890128"  # Luhn-valid


class Bank:
    """The bank's side of the wire, as a test double of its callback: records what arrives."""

    def __init__(self) -> None:
        self.notifications: list[dict] = []
        self.arrived = asyncio.Condition()
        self.answer_status = 200
        self.network_key = None
        self.bad_signatures = 0

    async def callback(self, request: Request) -> JSONResponse:
        body = await request.body()
        if signing.verify(self.network_key, request.headers, "POST", request.url.path, body) is not None:
            self.bad_signatures += 1
            return JSONResponse({"error": {"code": "BAD_SIGNATURE"}}, status_code=401)
        async with self.arrived:
            self.notifications.append(json.loads(body))
            self.arrived.notify_all()
        if self.answer_status >= 400:
            return JSONResponse({"error": {"code": "UNKNOWN_ACCOUNT"}}, status_code=self.answer_status)
        return JSONResponse({"ok": True}, status_code=self.answer_status)

    async def wait_for(self, count: int) -> list[dict]:
        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(lambda: len(self.notifications) >= count), 30)
        return self.notifications


@asynccontextmanager
async def bank_and_network(**options):
    bank = Bank()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    app = Starlette(routes=[Route("/network/notifications", bank.callback, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_config=None, ws="none"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with card_network(f"http://127.0.0.1:{sock.getsockname()[1]}/network/notifications", **options) as net:
            bank.network_key = signing.public_key(net.network_public_key)
            yield bank, net
    finally:
        server.should_exit = True
        await task
        sock.close()


async def call(net, method: str, path: str, payload: dict | None = None, *, seed: str | None = None,
               timeout: float = 10) -> httpx.Response:
    body = json.dumps(payload).encode() if payload is not None else b""
    headers = signing.signed_headers(signing.private_key(seed or net.bank_seed), "bank-1", method, path, body)
    async with httpx.AsyncClient(base_url=net.url, timeout=timeout) as http:
        return await http.request(method, path, content=body, headers=headers)


def debit(request_id: str, amount: int = 10_000, card: str = CARD) -> dict:
    return {"requestId": request_id, "card": card, "amount": amount, "currency": "CNY", "description": "top-up"}


def answer_verifies(net, response: httpx.Response, path: str) -> bool:
    key = signing.public_key(net.network_public_key)
    return signing.verify(key, response.headers, "RESPONSE", path, response.content) is None


async def test_a_debit_is_accepted_then_notified_and_queryable():
    async with bank_and_network() as (bank, net):
        accepted = await call(net, "POST", "/cnet/v1/debits", debit("t-1"))
        assert accepted.status_code == 202 and accepted.json()["status"] == "PENDING"
        assert answer_verifies(net, accepted, "/cnet/v1/debits")
        [note] = await bank.wait_for(1)
        assert note | {"settledAt": None} == {
            "type": "DEBIT_RESULT", "networkRef": accepted.json()["networkRef"], "requestId": "t-1",
            "status": "SUCCEEDED", "amount": 10_000, "currency": "CNY", "declineReason": None, "settledAt": None,
        }
        queried = await call(net, "GET", "/cnet/v1/movements/t-1")
        assert queried.json()["status"] == "SUCCEEDED" and queried.json()["card"] == "622202*********0128"
        assert (await call(net, "GET", "/cnet/v1/movements/unknown")).status_code == 404


async def test_unsigned_forged_and_replayed_requests_are_refused():
    async with bank_and_network() as (bank, net):
        async with httpx.AsyncClient(base_url=net.url) as http:
            unsigned = await http.post("/cnet/v1/debits", json=debit("t-2"))
        assert unsigned.status_code == 401 and unsigned.json()["error"]["code"] == "BAD_SIGNATURE"
        forged_seed = base64.b64encode(b"\x01" * 32).decode()
        assert (await call(net, "POST", "/cnet/v1/debits", debit("t-2"), seed=forged_seed)).status_code == 401
        body = json.dumps(debit("t-3")).encode()
        headers = signing.signed_headers(signing.private_key(net.bank_seed), "bank-1", "POST", "/cnet/v1/debits", body)
        async with httpx.AsyncClient(base_url=net.url) as http:
            first = await http.post("/cnet/v1/debits", content=body, headers=headers)
            replay = await http.post("/cnet/v1/debits", content=body, headers=headers)
        assert first.status_code == 202
        assert replay.status_code == 401 and "nonce" in replay.json()["error"]["message"]
        assert [m["requestId"] for m in await net.movements()] == ["t-3"]


async def test_a_request_id_is_one_movement():
    async with bank_and_network() as (bank, net):
        first = await call(net, "POST", "/cnet/v1/credits", debit("w-1", 500))
        again = await call(net, "POST", "/cnet/v1/credits", debit("w-1", 500))
        other = await call(net, "POST", "/cnet/v1/credits", debit("w-1", 501))
        assert (first.status_code, again.status_code, other.status_code) == (202, 200, 409)
        assert again.json()["networkRef"] == first.json()["networkRef"]
        assert len(await net.movements()) == 1


@pytest.mark.parametrize("amount", [0, -5, 1.5, "100"])
async def test_bad_amounts_are_refused(amount):
    async with bank_and_network() as (bank, net):
        refused = await call(net, "POST", "/cnet/v1/debits", debit("bad", amount))
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "BAD_REQUEST"


async def test_decline_duplicate_wrong_amount_and_currency_faults():
    async with bank_and_network() as (bank, net):
        await net.fault("decline", reason="CARD_BLOCKED")
        await call(net, "POST", "/cnet/v1/debits", debit("f-1"))
        await net.fault("duplicate_notification", copies=3)
        await call(net, "POST", "/cnet/v1/debits", debit("f-2"))
        await net.fault("wrong_amount", delta=100)
        await call(net, "POST", "/cnet/v1/debits", debit("f-3"))
        await net.fault("wrong_currency")
        await call(net, "POST", "/cnet/v1/debits", debit("f-4"))
        notes = await bank.wait_for(6)
        by_id = {}
        for note in notes:
            by_id.setdefault(note["requestId"], []).append(note)
        assert [(n["status"], n["declineReason"]) for n in by_id["f-1"]] == [("DECLINED", "CARD_BLOCKED")]
        assert len(by_id["f-2"]) == 3 and len({n["networkRef"] for n in by_id["f-2"]}) == 1
        assert by_id["f-3"][0]["amount"] == 10_100
        assert by_id["f-4"][0]["currency"] != "CNY"
        books = {m["requestId"]: m for m in await net.movements()}
        assert books["f-3"]["amount"] == 10_000  # the network's own books keep the true amount


async def test_notification_before_response():
    async with bank_and_network() as (bank, net):
        await net.fault("notify_before_response")
        accepted = await call(net, "POST", "/cnet/v1/debits", debit("n-1"))
        assert [n["requestId"] for n in bank.notifications] == ["n-1"]  # already there when the answer came
        assert accepted.status_code == 202


async def test_timeout_lost_and_timeout_processed():
    async with bank_and_network() as (bank, net):
        await net.configure(hang_ms=3_000)
        await net.fault("timeout")
        with pytest.raises(httpx.TimeoutException):
            await call(net, "POST", "/cnet/v1/debits", debit("lost"), timeout=0.5)
        assert (await call(net, "GET", "/cnet/v1/movements/lost")).status_code == 404
        await net.fault("timeout", processed=True)
        with pytest.raises(httpx.TimeoutException):
            await call(net, "POST", "/cnet/v1/debits", debit("kept"), timeout=0.5)
        await bank.wait_for(1)
        assert (await call(net, "GET", "/cnet/v1/movements/kept")).json()["status"] == "SUCCEEDED"


async def test_no_notification_is_found_by_query_only():
    async with bank_and_network() as (bank, net):
        await net.fault("no_notification")
        await call(net, "POST", "/cnet/v1/debits", debit("q-1"))
        await net.movements()  # waits for settlement work in flight
        assert bank.notifications == []
        assert (await call(net, "GET", "/cnet/v1/movements/q-1")).json()["status"] == "SUCCEEDED"


async def test_inbound_credit_refused_by_the_bank_is_returned():
    async with bank_and_network() as (bank, net):
        accepted = await net.inbound(payeeAccount="6217000000000001", amount=2_500, payerName="王五",
                                     payerBank="ICBC")
        [note] = await bank.wait_for(1)
        assert note["type"] == "INBOUND_CREDIT" and note["payeeAccount"] == "6217000000000001"
        assert accepted["status"] == "SUCCEEDED"
        bank.answer_status = 422
        returned = await net.inbound(payeeAccount="0000", amount=1, payerName="x", payerBank="y")
        assert returned["status"] == "RETURNED" and returned["declineReason"] == "UNKNOWN_ACCOUNT"


async def test_settlement_file_is_signed_and_complete():
    async with bank_and_network() as (bank, net):
        for i in range(3):
            await call(net, "POST", "/cnet/v1/debits", debit(f"s-{i}", 100 + i))
        await net.fault("decline")
        await call(net, "POST", "/cnet/v1/credits", debit("s-declined", 7))
        movements = await net.movements()
        day = movements[0]["settledAt"]  # UTC; the file is per China Standard Time day
        from datetime import datetime, timedelta, timezone

        cst_day = (datetime.fromisoformat(day.replace("Z", "+00:00")).astimezone(timezone(timedelta(hours=8)))
                   .strftime("%Y-%m-%d"))
        answer = await call(net, "GET", f"/cnet/v1/settlements/{cst_day}")
        lines = answer.text.splitlines(keepends=True)
        body, trailer = "".join(lines[:-1]), lines[-1].strip().split(",")
        rows = list(csv.DictReader(io.StringIO(body)))
        assert [(r["requestId"], r["status"], r["amount"]) for r in rows] == [
            ("s-0", "SUCCEEDED", "100"), ("s-1", "SUCCEEDED", "101"), ("s-2", "SUCCEEDED", "102"),
            ("s-declined", "DECLINED", "7")]
        assert trailer[:4] == ["TRAILER", "4", "310", hashlib.sha256(body.encode()).hexdigest()]
        signed = f"CNET-V1-SETTLEMENT\n{cst_day}\n4\n310\n{trailer[3]}".encode()
        signing.public_key(net.network_public_key).verify(base64.b64decode(trailer[4]), signed)
        empty = await call(net, "GET", "/cnet/v1/settlements/2001-01-01")
        assert empty.text.splitlines()[-1].startswith("TRAILER,0,0,")


async def test_an_inbound_credit_can_be_notified_twice():
    async with bank_and_network() as (bank, net):
        await net.fault("duplicate_notification", copies=2)
        await net.inbound(payeeAccount="6235010000000000426", amount=100, payerName="x", payerBank="y")
        notes = await bank.wait_for(2)
        assert [n["type"] for n in notes] == ["INBOUND_CREDIT"] * 2 and notes[0] == notes[1]


async def test_the_books_can_be_amended_for_reconciliation_tests(tmp_path):
    async with bank_and_network() as (bank, net):
        for i in range(3):
            await call(net, "POST", "/cnet/v1/debits", debit(f"a-{i}", 100))
        await net.amend("a-0", amount=150)
        await net.amend("a-1", status="DECLINED")
        await net.amend("a-2", forget=True)
        stranger = await net.book(kind="DEBIT", requestId="b-1", card=CARD, amount=7)
        assert stranger["status"] == "SUCCEEDED" and stranger["settledAt"] is not None
        books = {m["requestId"]: (m["status"], m["amount"]) for m in await net.movements()}
        assert books == {"a-0": ("SUCCEEDED", 150), "a-1": ("DECLINED", 100), "b-1": ("SUCCEEDED", 7)}
        assert (await net.admin.post("/admin/amend", json={"requestId": "nope", "amount": 1})).status_code == 404
        prepared = tmp_path / "day.csv"
        prepared.write_text("any text, served as it is\n" * 10_000)
        await net.load_settlement_file("2026-12-01", str(prepared))
        served = await call(net, "GET", "/cnet/v1/settlements/2026-12-01")
        assert served.text == prepared.read_text()
