"""The network's notifications, checked at the door: size, signature, a fresh nonce, shape.

Only a notification that passes all four is parsed into a ``Notification``; anything
else is refused with a typed ``CallbackRefused`` before it can move money. Nonces are
kept in Redis for twice the allowed clock skew, so a replay is refused by every worker.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

import redis.asyncio as aioredis

from clearing.errors import CallbackCode, CallbackRefused
from clearing.network import NetworkMovement, parse_movement
from clearing.signing import Verifier

RESULT_TYPES = {"DEBIT_RESULT": "DEBIT", "CREDIT_RESULT": "CREDIT"}
INBOUND_CREDIT = "INBOUND_CREDIT"
_ACCOUNT = re.compile(r"^[0-9]{1,32}$")
_FIELDS = frozenset({"type", "networkRef", "requestId", "status", "amount", "currency", "declineReason", "settledAt",
                     "payeeAccount", "payerName", "payerBank"})


@dataclass(frozen=True, slots=True)
class Notification:
    type: str  # DEBIT_RESULT, CREDIT_RESULT or INBOUND_CREDIT
    movement: NetworkMovement
    payee_account: str | None = None  # inbound only
    payer_name: str = ""
    payer_bank: str = ""

    @property
    def inbound(self) -> bool:
        return self.type == INBOUND_CREDIT


class CallbackGuard:
    def __init__(self, *, verifier: Verifier, redis: aioredis.Redis, namespace: str, max_bytes: int) -> None:
        self.verifier = verifier
        self.redis = redis
        self.namespace = namespace
        self.max_bytes = max_bytes

    async def admit(self, *, headers: Mapping[str, str], path: str, body: bytes) -> Notification:
        """The notification, once it is known to come from the network, fresh and well formed."""
        if len(body) > self.max_bytes:
            raise CallbackRefused(CallbackCode.TOO_LARGE, f"a notification is at most {self.max_bytes} bytes")
        problem = self.verifier.problem(headers, "POST", path, body)
        if problem is not None:
            raise CallbackRefused(CallbackCode.BAD_SIGNATURE, problem)
        nonce = headers["x-cnet-nonce"]
        fresh = await self.redis.set(f"{self.namespace}:nonce:{nonce}", b"1", nx=True,
                                     ex=2 * self.verifier.max_skew_seconds)
        if not fresh:
            raise CallbackRefused(CallbackCode.REPLAYED_NONCE, "this nonce was already used")
        return parse_notification(body)


def parse_notification(body: bytes) -> Notification:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise _malformed("the body is not JSON") from None
    if not isinstance(data, dict) or not data.keys() <= _FIELDS:
        raise _malformed("a notification is a JSON object of the protocol's fields")
    kind = data.get("type")
    if kind not in (*RESULT_TYPES, INBOUND_CREDIT):
        raise _malformed("type is DEBIT_RESULT, CREDIT_RESULT or INBOUND_CREDIT")
    movement = parse_movement(data)
    if movement is None or movement.settled_at is None:
        raise _malformed("networkRef, requestId, status, amount (positive fen), currency and settledAt are required")
    if kind == INBOUND_CREDIT:
        account, name, bank = data.get("payeeAccount"), data.get("payerName", ""), data.get("payerBank", "")
        if movement.status != "SUCCEEDED" or not (isinstance(account, str) and _ACCOUNT.match(account)):
            raise _malformed("an inbound credit is SUCCEEDED and names the payeeAccount (digits)")
        if not (isinstance(name, str) and len(name) <= 64 and isinstance(bank, str) and len(bank) <= 64):
            raise _malformed("payerName and payerBank are at most 64 characters")
        return Notification(kind, movement, account, name, bank)
    if movement.status not in ("SUCCEEDED", "DECLINED"):
        raise _malformed("a result is SUCCEEDED or DECLINED")
    return Notification(kind, movement)


def _malformed(message: str) -> CallbackRefused:
    return CallbackRefused(CallbackCode.MALFORMED_NOTIFICATION, message)
