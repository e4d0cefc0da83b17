"""The network's HTTP face: signed routes for the bank, unsigned admin routes for tests."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
from dataclasses import dataclass, fields

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from fakes.cardnetwork import signing
from fakes.cardnetwork.network import CREDIT, DEBIT, Fault, Network, Settings
from fakes.doors import SignedDoor

REQUEST_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NETWORK_KEY_ID = "cnet-1"


@dataclass
class Keys:
    network: Ed25519PrivateKey  # signs responses, notifications and settlement files
    bank: Ed25519PublicKey  # verifies the bank's requests and acknowledgements


def build_app(keys: Keys, callback_url: str, settings: Settings | None = None) -> Starlette:
    http = httpx.AsyncClient(timeout=5.0)

    def sign(data: bytes) -> str:
        return base64.b64encode(keys.network.sign(data)).decode()

    async def notify(payload: dict) -> tuple[int, dict]:
        body = json.dumps(payload).encode()
        path = httpx.URL(callback_url).raw_path.decode()
        headers = signing.signed_headers(keys.network, NETWORK_KEY_ID, "POST", path, body)
        answer = await http.post(callback_url, content=body, headers=headers)
        try:
            parsed = answer.json()
        except ValueError:
            parsed = {}
        return answer.status_code, parsed if isinstance(parsed, dict) else {}

    network = Network(notify, sign, settings)

    door = SignedDoor(signing.SCHEME, key=keys.network, key_id=NETWORK_KEY_ID, peer=keys.bank)
    signed, error, authenticated = door.signed, door.error, door.authenticated

    async def latency() -> None:
        if network.settings.latency_ms:
            await asyncio.sleep(network.settings.latency_ms / 1000)

    def movement_route(kind: str):
        async def handle(request: Request) -> Response:
            body = await authenticated(request)
            if isinstance(body, Response):
                return body
            try:
                data = json.loads(body)
                request_id, card = str(data["requestId"]), str(data["card"])
                amount, currency = data["amount"], str(data.get("currency", "CNY"))
                if not REQUEST_ID.match(request_id) or type(amount) is not int or amount <= 0:
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                return error(request, 400, "BAD_REQUEST",
                             "requestId (1-64 of A-Z a-z 0-9 _ . : -), card and a positive integer amount in fen")
            try:
                movement, new = await network.submit(kind=kind, request_id=request_id, card=card, amount=amount,
                                                     currency=currency, description=str(data.get("description", "")))
            except TimeoutError:
                return Response(status_code=504)
            if (movement.kind, movement.card, movement.amount, movement.currency) != (kind, card, amount, currency):
                return error(request, 409, "REQUEST_ID_REUSED", "this requestId was used for another movement")
            await latency()
            return signed(request, movement.public(), 202 if new else 200)

        return handle

    async def query(request: Request) -> Response:
        body = await authenticated(request)
        if isinstance(body, Response):
            return body
        await latency()
        movement = network.movements.get(request.path_params["request_id"])
        if movement is None:
            return error(request, 404, "NOT_FOUND", "no movement with this requestId")
        return signed(request, movement.public())

    async def settlement(request: Request) -> Response:
        body = await authenticated(request)
        if isinstance(body, Response):
            return body
        day = request.path_params["day"]
        if not DAY.match(day):
            return error(request, 400, "BAD_REQUEST", "day is YYYY-MM-DD")
        return StreamingResponse(network.settlement_lines(day), media_type="text/csv")

    # --- admin: what a test sets up; a real network has no such door -------------------
    async def add_fault(request: Request) -> Response:
        data = await request.json()
        allowed = {f.name for f in fields(Fault)}
        try:
            network.add_fault(Fault(**{k: v for k, v in data.items() if k in allowed}))
        except (TypeError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"faults": len(network.faults)})

    async def configure(request: Request) -> Response:
        data = await request.json()
        for name in {f.name for f in fields(Settings)} & data.keys():
            setattr(network.settings, name, int(data[name]))
        return JSONResponse({f.name: getattr(network.settings, f.name) for f in fields(Settings)})

    async def inbound(request: Request) -> Response:
        data = await request.json()
        movement = await network.inbound(
            account=str(data["payeeAccount"]), amount=int(data["amount"]), currency=data.get("currency", "CNY"),
            payer_name=data.get("payerName", ""), payer_bank=data.get("payerBank", ""),
            request_id=data.get("requestId"),
        )
        return JSONResponse(movement.public())

    async def book(request: Request) -> Response:
        data = await request.json()
        movement = network.book(kind=data["kind"], request_id=str(data["requestId"]), amount=int(data["amount"]),
                                currency=data.get("currency", "CNY"), card=data.get("card", ""),
                                account=data.get("account", ""), status=data.get("status", "SUCCEEDED"))
        return JSONResponse(movement.public())

    async def amend(request: Request) -> Response:
        data = await request.json()
        await network.idle()
        movement = network.amend(str(data["requestId"]), amount=data.get("amount"), status=data.get("status"),
                                 forget=bool(data.get("forget")))
        if movement is None:
            return JSONResponse({"error": "no such movement"}, status_code=404)
        return JSONResponse(movement.public())

    async def load_settlement_file(request: Request) -> Response:
        data = await request.json()
        if not DAY.match(str(data.get("day", ""))):
            return JSONResponse({"error": "day is YYYY-MM-DD"}, status_code=400)
        network.settlement_files[data["day"]] = str(data["path"])
        return JSONResponse({"loaded": data["day"]})

    async def listing(request: Request) -> Response:
        await network.idle()
        return JSONResponse({"movements": [m.public() for m in network.movements.values()],
                             "notificationsSent": network.notifications_sent})

    async def reset(request: Request) -> Response:
        await network.idle()
        network.movements.clear()
        network.faults.clear()
        network.settlement_files.clear()
        return JSONResponse({"reset": True})

    async def public_key(request: Request) -> Response:
        from cryptography.hazmat.primitives import serialization

        raw = keys.network.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return JSONResponse({"keyId": NETWORK_KEY_ID, "publicKey": base64.b64encode(raw).decode()})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        await network.idle()
        await http.aclose()

    app = Starlette(
        routes=[
            Route("/cnet/v1/debits", movement_route(DEBIT), methods=["POST"]),
            Route("/cnet/v1/credits", movement_route(CREDIT), methods=["POST"]),
            Route("/cnet/v1/movements/{request_id}", query, methods=["GET"]),
            Route("/cnet/v1/settlements/{day}", settlement, methods=["GET"]),
            Route("/cnet/v1/keys", public_key, methods=["GET"]),
            Route("/admin/faults", add_fault, methods=["POST"]),
            Route("/admin/settings", configure, methods=["POST"]),
            Route("/admin/inbound", inbound, methods=["POST"]),
            Route("/admin/book", book, methods=["POST"]),
            Route("/admin/amend", amend, methods=["POST"]),
            Route("/admin/settlement-file", load_settlement_file, methods=["POST"]),
            Route("/admin/movements", listing, methods=["GET"]),
            Route("/admin/reset", reset, methods=["POST"]),
            Route("/healthz", lambda request: JSONResponse({"status": "ok"})),
        ],
        lifespan=lifespan,
    )
    app.state.network = network
    return app
