"""The lottery operator as the bank calls it: signed requests, answers believed only when signed.

A timeout, a 5xx, a broken connection or an answer that does not verify leaves a request
in doubt: the operator may or may not have booked it, and only a query can tell.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime

import httpx

from miniprograms.lottery.config import LotteryConfig
from miniprograms.lottery.signing import BankSigner

_TICKET_STATES = ("UNCLAIMED", "RESERVED", "PAID", "PAID_ELSEWHERE")
_RESERVATION_STATES = ("RESERVED", "CONFIRMED", "CANCELLED")
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
MAX_PRIZE = 10**12


@dataclass(frozen=True, slots=True)
class OperatorTicket:
    number: str
    game: str
    draw: str
    draw_date: date
    security_code_hash: str
    prize: int
    state: str


@dataclass(frozen=True, slots=True)
class OperatorReservation:
    reservation_id: str
    ticket_number: str
    amount: int
    state: str  # RESERVED, CONFIRMED or CANCELLED
    confirmed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Refused:
    """The operator answered, signed, with an error code."""

    code: str


@dataclass(frozen=True, slots=True)
class InDoubt:
    why: str


def _ticket(data: object) -> OperatorTicket | None:
    if not isinstance(data, dict):
        return None
    try:
        ticket = OperatorTicket(str(data["ticketNumber"]), str(data["game"])[:32], str(data["draw"])[:32],
                                date.fromisoformat(str(data["drawDate"])), str(data["securityCodeHash"]),
                                data["prize"], str(data["state"]))
    except (KeyError, ValueError):
        return None
    if type(ticket.prize) is not int or not 0 <= ticket.prize <= MAX_PRIZE or ticket.state not in _TICKET_STATES \
            or not _DIGEST.match(ticket.security_code_hash):
        return None
    return ticket


def _reservation(data: object) -> OperatorReservation | None:
    if not isinstance(data, dict):
        return None
    confirmed = data.get("confirmedAt")
    try:
        confirmed_at = datetime.fromisoformat(confirmed) if isinstance(confirmed, str) and len(confirmed) <= 40 else None
    except ValueError:
        return None
    reservation = OperatorReservation(str(data.get("reservationId")), str(data.get("ticketNumber")),
                                      data.get("amount"), str(data.get("state")), confirmed_at)
    if type(reservation.amount) is not int or reservation.state not in _RESERVATION_STATES \
            or (confirmed_at is not None and confirmed_at.tzinfo is None):
        return None
    return reservation


def _error_code(data: object) -> str:
    error = data.get("error") if isinstance(data, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) and len(code) <= 64 else "UNKNOWN"


class OperatorClient:
    def __init__(self, config: LotteryConfig, http: httpx.AsyncClient) -> None:
        self.config = config
        self.http = http
        self.signer = BankSigner(str(config.bank_signing_key), config.operator_public_key)
        self._lookups: dict[str, asyncio.Future] = {}

    @property
    def configured(self) -> bool:
        return self.config.operator_url is not None

    async def _call(self, method: str, path: str, payload: dict | None = None) -> tuple[int, object] | InDoubt:
        if self.config.operator_url is None:
            return InDoubt("no operator configured")
        body = json.dumps(payload, separators=(",", ":")).encode() if payload is not None else b""
        try:
            answer = await self.http.request(method, self.config.operator_url + path, content=body,
                                             headers=self.signer.headers(method, path, body),
                                             timeout=self.config.request_timeout_seconds)
        except httpx.HTTPError as exc:
            return InDoubt(f"no answer: {type(exc).__name__}")
        if answer.status_code >= 500:
            return InDoubt(f"operator answered {answer.status_code}")
        if not self.signer.answer_is_operators(answer.headers, path, answer.content):
            return InDoubt(f"answer {answer.status_code} not signed by the operator")
        try:
            return answer.status_code, json.loads(answer.content)
        except ValueError:
            return InDoubt("answer is not JSON")

    async def lookup(self, ticket_number: str) -> OperatorTicket | Refused | InDoubt:
        """The ticket as the operator knows it. Concurrent look-ups of one ticket in this process
        share one request (a popular ticket's claimants race): each still checks its own code."""
        pending = self._lookups.get(ticket_number)
        if pending is not None:
            return await asyncio.shield(pending)
        future = asyncio.get_running_loop().create_future()
        self._lookups[ticket_number] = future
        try:
            found = await self._lookup(ticket_number)
            future.set_result(found)
            return found
        except BaseException:  # cancelled, or a bug: whoever shared it learns nothing from it
            future.set_result(InDoubt("the shared look-up did not finish"))
            raise
        finally:
            del self._lookups[ticket_number]

    async def _lookup(self, ticket_number: str) -> OperatorTicket | Refused | InDoubt:
        result = await self._call("GET", f"/loto/v1/tickets/{ticket_number}")
        if isinstance(result, InDoubt):
            return result
        status, data = result
        if status != 200:
            return Refused(_error_code(data))
        ticket = _ticket(data)
        return ticket if ticket is not None and ticket.number == ticket_number else InDoubt("not this ticket")

    async def _reservation_call(self, method: str, path: str, reservation_id: str,
                                payload: dict | None = None) -> OperatorReservation | Refused | InDoubt:
        result = await self._call(method, path, payload)
        if isinstance(result, InDoubt):
            return result
        status, data = result
        if status not in (200, 201):
            return Refused(_error_code(data))
        reservation = _reservation(data)
        if reservation is None or reservation.reservation_id != reservation_id:
            return InDoubt("the answer is not this reservation")
        return reservation

    async def reserve(self, *, reservation_id: str, ticket_number: str, code_hash: str,
                      amount: int) -> OperatorReservation | Refused | InDoubt:
        return await self._reservation_call("POST", "/loto/v1/reservations", reservation_id, {
            "reservationId": reservation_id, "ticketNumber": ticket_number, "securityCodeHash": code_hash,
            "amount": amount})

    async def confirm(self, reservation_id: str, *, bank_ref: str) -> OperatorReservation | Refused | InDoubt:
        return await self._reservation_call("POST", f"/loto/v1/reservations/{reservation_id}/confirm",
                                            reservation_id, {"bankRef": bank_ref})

    async def cancel(self, reservation_id: str) -> OperatorReservation | Refused | InDoubt:
        return await self._reservation_call("POST", f"/loto/v1/reservations/{reservation_id}/cancel", reservation_id)

    async def query(self, reservation_id: str) -> OperatorReservation | Refused | InDoubt:
        return await self._reservation_call("GET", f"/loto/v1/reservations/{reservation_id}", reservation_id)

    async def settlement_file(self, day: date) -> AsyncIterator[bytes]:
        """The day's settlement file as it arrives; raises ``httpx.HTTPError`` or ``ValueError``."""
        path = f"/loto/v1/settlements/{day.isoformat()}"
        if self.config.operator_url is None:
            raise ValueError("no operator configured")
        async with self.http.stream("GET", self.config.operator_url + path,
                                    headers=self.signer.headers("GET", path, b""),
                                    timeout=self.config.request_timeout_seconds) as answer:
            if answer.status_code != 200:
                raise ValueError(f"operator answered {answer.status_code}")
            async for chunk in answer.aiter_bytes():
                yield chunk
