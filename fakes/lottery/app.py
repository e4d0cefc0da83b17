"""The operator's HTTP face: signed routes for the bank, unsigned admin routes for tests."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from dataclasses import dataclass, fields

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from fakes.doors import SignedDoor
from fakes.lottery import signing
from fakes.lottery.operator import CONFIRMED, Fault, Hang, Operator, Refusal, Reservation, Settings, Ticket

RESERVATION_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
TICKET = re.compile(r"^[0-9]{8,32}$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
OPERATOR_KEY_ID = "loto-1"


@dataclass
class Keys:
    operator: Ed25519PrivateKey  # signs answers and settlement files
    bank: Ed25519PublicKey  # verifies the bank's requests


def build_app(keys: Keys, settings: Settings | None = None) -> Starlette:
    operator = Operator(lambda data: base64.b64encode(keys.operator.sign(data)).decode(), settings)

    door = SignedDoor(signing.SCHEME, key=keys.operator, key_id=OPERATOR_KEY_ID, peer=keys.bank)
    error = door.error

    async def authenticated(request: Request) -> bytes | Response:
        if request.headers.get("x-loto-key-id") != "bank-1":
            return error(request, 401, "BAD_SIGNATURE", "unknown X-Loto-Key-Id")
        return await door.authenticated(request)

    async def answer(request: Request, act, status: int = 200) -> Response:
        """Run one step on the books and answer it signed; a hang is no answer at all."""
        if operator.settings.latency_ms:
            await asyncio.sleep(operator.settings.latency_ms / 1000)
        try:
            async with operator.lock:
                result = act()
        except Hang:
            await asyncio.sleep(operator.settings.hang_ms / 1000)
            return Response(status_code=504)
        except Refusal as refusal:
            return error(request, refusal.status, refusal.code, refusal.message)
        if isinstance(result, tuple):
            result, status = result[0], (201 if result[1] else 200)
        return door.signed(request, result.public() if isinstance(result, Reservation) else result, status)

    async def lookup(request: Request) -> Response:
        body = await authenticated(request)
        if isinstance(body, Response):
            return body
        number = request.path_params["number"]
        if not TICKET.match(number):
            return error(request, 400, "BAD_REQUEST", "a ticket number is 8-32 digits")
        return await answer(request, lambda: operator.lookup(number))

    async def reserve(request: Request) -> Response:
        body = await authenticated(request)
        if isinstance(body, Response):
            return body
        try:
            data = json.loads(body)
            reservation_id, number = str(data["reservationId"]), str(data["ticketNumber"])
            code_hash, amount = str(data["securityCodeHash"]), data["amount"]
            if not (RESERVATION_ID.match(reservation_id) and TICKET.match(number)) or type(amount) is not int \
                    or amount <= 0:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return error(request, 400, "BAD_REQUEST",
                         "reservationId, ticketNumber, securityCodeHash and a positive integer amount in fen")
        return await answer(request, lambda: operator.reserve(reservation_id, number, code_hash, amount))

    def reservation_route(step: str):
        async def handle(request: Request) -> Response:
            body = await authenticated(request)
            if isinstance(body, Response):
                return body
            reservation_id = request.path_params["reservation_id"]
            if step == "confirm":
                try:
                    bank_ref = str(json.loads(body or b"{}").get("bankRef", ""))[:64]
                except (ValueError, AttributeError):
                    return error(request, 400, "BAD_REQUEST", "the body is {\"bankRef\": ...}")
                return await answer(request, lambda: operator.confirm(reservation_id, bank_ref))
            if step == "cancel":
                return await answer(request, lambda: operator.cancel(reservation_id))
            return await answer(request, lambda: operator.query(reservation_id))

        return handle

    async def settlement(request: Request) -> Response:
        body = await authenticated(request)
        if isinstance(body, Response):
            return body
        day = request.path_params["day"]
        if not DAY.match(day):
            return error(request, 400, "BAD_REQUEST", "day is YYYY-MM-DD")
        if day in operator.settlement_files:
            return Response(operator.settlement_files[day], media_type="text/csv")
        return StreamingResponse(operator.settlement_lines(day), media_type="text/csv")

    # --- admin: what a test sets up; a real operator has no such door --------------------
    async def add_tickets(request: Request) -> Response:
        data = await request.json()
        for item in data["tickets"]:
            operator.tickets[str(item["ticketNumber"])] = Ticket.of(item)
        return JSONResponse({"tickets": len(operator.tickets)})

    async def add_fault(request: Request) -> Response:
        data = await request.json()
        allowed = {f.name for f in fields(Fault)}
        try:
            operator.faults.append(Fault(**{k: v for k, v in data.items() if k in allowed}))
        except (TypeError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"faults": len(operator.faults)})

    async def configure(request: Request) -> Response:
        data = await request.json()
        for name in {f.name for f in fields(Settings)} & data.keys():
            setattr(operator.settings, name, int(data[name]))
        return JSONResponse({f.name: getattr(operator.settings, f.name) for f in fields(Settings)})

    async def amend(request: Request) -> Response:
        """Change the operator's books after the fact, for settlement tests: a confirmed
        reservation's ``amount``, ``forget`` one, or ``book`` a confirmed one the bank never made."""
        data = await request.json()
        reservation_id = str(data["reservationId"])
        if data.get("book"):
            ticket = operator.tickets[str(data["ticketNumber"])]
            reservation = Reservation(reservation_id, ticket.number, int(data.get("amount", ticket.prize)),
                                      state=CONFIRMED)
            reservation.confirmed_at = reservation.created_at
            operator.reservations[reservation_id] = reservation
            return JSONResponse(reservation.public())
        reservation = operator.reservations.get(reservation_id)
        if reservation is None:
            return JSONResponse({"error": "no such reservation"}, status_code=404)
        if data.get("forget"):
            del operator.reservations[reservation_id]
        elif "amount" in data:
            reservation.amount = int(data["amount"])
        return JSONResponse(reservation.public())

    async def settlement_file(request: Request) -> Response:
        """Serve this text as the day's file, as it is (a tampered or truncated one)."""
        data = await request.json()
        operator.settlement_files[str(data["day"])] = str(data["content"]).encode()
        return JSONResponse({"loaded": data["day"]})

    async def listing(request: Request) -> Response:
        return JSONResponse({"tickets": [t.public() for t in operator.tickets.values()],
                             "reservations": [r.public() for r in operator.reservations.values()]})

    async def reset(request: Request) -> Response:
        operator.tickets.clear()
        operator.reservations.clear()
        operator.faults.clear()
        operator.settlement_files.clear()
        return JSONResponse({"reset": True})

    async def public_key(request: Request) -> Response:
        raw = keys.operator.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return JSONResponse({"keyId": OPERATOR_KEY_ID, "publicKey": base64.b64encode(raw).decode()})

    app = Starlette(routes=[
        Route("/loto/v1/tickets/{number}", lookup, methods=["GET"]),
        Route("/loto/v1/reservations", reserve, methods=["POST"]),
        Route("/loto/v1/reservations/{reservation_id}", reservation_route("query"), methods=["GET"]),
        Route("/loto/v1/reservations/{reservation_id}/confirm", reservation_route("confirm"), methods=["POST"]),
        Route("/loto/v1/reservations/{reservation_id}/cancel", reservation_route("cancel"), methods=["POST"]),
        Route("/loto/v1/settlements/{day}", settlement, methods=["GET"]),
        Route("/loto/v1/keys", public_key, methods=["GET"]),
        Route("/admin/tickets", add_tickets, methods=["POST"]),
        Route("/admin/faults", add_fault, methods=["POST"]),
        Route("/admin/settings", configure, methods=["POST"]),
        Route("/admin/amend", amend, methods=["POST"]),
        Route("/admin/settlement-file", settlement_file, methods=["POST"]),
        Route("/admin/books", listing, methods=["GET"]),
        Route("/admin/reset", reset, methods=["POST"]),
        Route("/healthz", lambda request: JSONResponse({"status": "ok"})),
    ])
    app.state.operator = operator
    return app
