"""The card network as the bank calls it: signed requests, verified answers.

Every answer is checked against the network's key before it is believed. An answer that
does not verify, a timeout, a 5xx or a broken connection leaves the request in doubt:
the network may or may not have booked it, and only a later query can tell.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import httpx

from infra.i18n import Text
from clearing.config import ClearingConfig
from clearing.errors import NetworkNotConfigured, NetworkUnavailable
from clearing.signing import RESPONSE, Signer, Verifier, private_key, public_key

REQUEST_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
NETWORK_REF = re.compile(r"^[A-Za-z0-9]{1,32}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
FINAL_STATUSES = ("SUCCEEDED", "DECLINED", "RETURNED")
MAX_AMOUNT = 10**15


@dataclass(frozen=True, slots=True)
class NetworkMovement:
    """A movement as the network's books show it (an answer, a query or a notification)."""

    network_ref: str
    request_id: str
    status: str  # PENDING, SUCCEEDED, DECLINED or RETURNED
    amount: int
    currency: str
    decline_reason: str | None
    settled_at: datetime | None


@dataclass(frozen=True, slots=True)
class Accepted:
    movement: NetworkMovement


@dataclass(frozen=True, slots=True)
class Refused:
    """The network answered, signed, that it will not book this request."""

    code: str


@dataclass(frozen=True, slots=True)
class InDoubt:
    why: str
    unreachable: bool = False  # no connection was made: the request certainly never arrived


@dataclass(frozen=True, slots=True)
class NotFound:
    """A signed answer that the network has no movement with this request id."""


def parse_movement(data: object) -> NetworkMovement | None:
    """The network's movement from its JSON, or None when it is not one."""
    if not isinstance(data, dict):
        return None
    ref, request_id, status = data.get("networkRef"), data.get("requestId"), data.get("status")
    amount, currency, reason = data.get("amount"), data.get("currency"), data.get("declineReason")
    if not (isinstance(ref, str) and NETWORK_REF.match(ref) and isinstance(request_id, str)
            and REQUEST_ID.match(request_id) and status in ("PENDING", *FINAL_STATUSES)
            and type(amount) is int and 0 < amount <= MAX_AMOUNT
            and isinstance(currency, str) and CURRENCY.match(currency)
            and (reason is None or (isinstance(reason, str) and len(reason) <= 64))):
        return None
    settled_at = parse_time(data.get("settledAt"))
    if settled_at is False:
        return None
    return NetworkMovement(ref, request_id, status, amount, currency, reason, settled_at or None)


def parse_time(value: object) -> datetime | None | bool:
    """An ISO-8601 instant with its offset; None for null; False when malformed."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 40:
        return False
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return False
    return parsed if parsed.tzinfo is not None else False


class NetworkClient:
    def __init__(self, config: ClearingConfig, http: httpx.AsyncClient) -> None:
        self.config = config
        self.http = http
        self.signer = Signer(private_key(str(config.bank_signing_key)), config.bank_key_id)
        self.verifier = Verifier(public_key(config.network_public_key), config.network_key_id,
                                 config.clock_skew_seconds)

    def _url(self, path: str) -> str:
        if self.config.network_url is None:
            raise NetworkNotConfigured()
        return self.config.network_url + path

    async def _call(self, method: str, path: str, payload: dict | None = None) -> tuple[int, object] | InDoubt:
        """The verified status and JSON of the answer, or why the request is in doubt."""
        body = json.dumps(payload, separators=(",", ":")).encode() if payload is not None else b""
        headers = self.signer.headers(method, path, body)
        try:
            answer = await self.http.request(method, self._url(path), content=body, headers=headers,
                                             timeout=self.config.request_timeout_seconds)
        except httpx.ConnectError as exc:
            return InDoubt(f"could not connect: {type(exc).__name__}", unreachable=True)
        except httpx.HTTPError as exc:
            return InDoubt(f"no answer: {type(exc).__name__}")
        if answer.status_code >= 500:
            return InDoubt(f"network answered {answer.status_code}")
        if self.verifier.problem(answer.headers, RESPONSE, path, answer.content) is not None:
            return InDoubt(f"answer {answer.status_code} not signed by the network")
        try:
            return answer.status_code, json.loads(answer.content)
        except ValueError:
            return InDoubt("answer is not JSON")

    async def submit(self, *, kind: str, request_id: str, card: str, amount: int, currency: str,
                     description: str) -> Accepted | Refused | InDoubt:
        """Ask for a debit of the card (a top-up) or a credit to it (a withdrawal)."""
        path = "/cnet/v1/debits" if kind == "DEBIT" else "/cnet/v1/credits"
        result = await self._call("POST", path, {"requestId": request_id, "card": card, "amount": amount,
                                                 "currency": currency, "description": description})
        if isinstance(result, InDoubt):
            return result
        status, data = result
        if status in (200, 202):
            movement = parse_movement(data)
            if movement is None or movement.request_id != request_id:
                return InDoubt("the answer is not this movement")
            return Accepted(movement)
        return Refused(_error_code(data) or f"HTTP_{status}")

    async def query(self, request_id: str) -> NetworkMovement | NotFound | InDoubt:
        result = await self._call("GET", f"/cnet/v1/movements/{request_id}")
        if isinstance(result, InDoubt):
            return result
        status, data = result
        if status == 404 and _error_code(data) == "NOT_FOUND":
            return NotFound()
        movement = parse_movement(data) if status == 200 else None
        if movement is None or movement.request_id != request_id:
            return InDoubt(f"query answered {status} without this movement")
        return movement

    async def settlement_file(self, day: str) -> AsyncIterator[bytes]:
        """The settlement file of a China Standard Time day, as it arrives (never whole in memory)."""
        path = f"/cnet/v1/settlements/{day}"
        headers = self.signer.headers("GET", path, b"")
        try:
            async with self.http.stream("GET", self._url(path), headers=headers,
                                        timeout=self.config.request_timeout_seconds) as answer:
                if answer.status_code != 200:
                    raise NetworkUnavailable(Text("clearing.settlement_status", status=answer.status_code))
                async for chunk in answer.aiter_bytes():
                    yield chunk
        except httpx.HTTPError as exc:
            raise NetworkUnavailable(Text("clearing.settlement_unreachable", why=type(exc).__name__)) from None


def _error_code(data: object) -> str | None:
    error = data.get("error") if isinstance(data, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) and len(code) <= 64 else None
