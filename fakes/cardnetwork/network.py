"""The network's books: movements, their results, the faults to inject, the settlement file.

A movement is accepted (PENDING), then settles (SUCCEEDED or DECLINED) and the bank is
notified at its callback URL until it acknowledges. Faults change what happens to the next
matching requests; tests set them through the admin routes.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import itertools
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

log = logging.getLogger("fakes.cardnetwork")
CST = timezone(timedelta(hours=8))
DEBIT, CREDIT, INBOUND = "DEBIT", "CREDIT", "INBOUND"
PENDING, SUCCEEDED, DECLINED, RETURNED = "PENDING", "SUCCEEDED", "DECLINED", "RETURNED"
FAULTS = ("timeout", "decline", "duplicate_notification", "notify_before_response", "wrong_amount",
          "wrong_currency", "no_notification")
SETTLEMENT_COLUMNS = ("networkRef", "requestId", "kind", "card", "account", "amount", "currency", "status",
                      "settledAt")


def luhn_ok(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


@dataclass
class Fault:
    kind: str
    times: int = 1
    card: str | None = None  # only requests for this card; any when None
    reason: str = "DECLINED_BY_ISSUER"  # decline
    processed: bool = False  # timeout: whether the network records the request before hanging
    copies: int = 2  # duplicate_notification
    delta: int = 1  # wrong_amount

    def matches(self, card: str | None) -> bool:
        return self.times > 0 and (self.card is None or self.card == card)


@dataclass
class Movement:
    network_ref: str
    request_id: str
    kind: str
    amount: int
    currency: str
    card: str = ""
    account: str = ""  # inbound: the payee's account number at the bank
    payer_name: str = ""
    payer_bank: str = ""
    description: str = ""
    status: str = PENDING
    decline_reason: str | None = None
    created_at: float = field(default_factory=time.time)
    settled_at: float | None = None
    faults: list[Fault] = field(default_factory=list)

    def public(self) -> dict:
        return {
            "networkRef": self.network_ref, "requestId": self.request_id, "kind": self.kind,
            "status": self.status, "amount": self.amount, "currency": self.currency,
            "card": mask_card(self.card) if self.card else None, "account": self.account or None,
            "declineReason": self.decline_reason,
            "settledAt": iso(self.settled_at) if self.settled_at else None,
        }

    def has(self, kind: str) -> Fault | None:
        return next((f for f in self.faults if f.kind == kind), None)


def mask_card(card: str) -> str:
    return card[:6] + "*" * (len(card) - 10) + card[-4:]


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Settings:
    latency_ms: int = 0  # before every answer to the bank
    notify_delay_ms: int = 0  # between accepting a movement and settling it
    hang_ms: int = 30_000  # how long a timeout fault holds the request
    retry_base_ms: int = 200
    max_notify_attempts: int = 12


class Network:
    def __init__(self, notifier, signer, settings: Settings | None = None) -> None:
        self.notifier = notifier  # async (payload: dict) -> (status_code, body: dict); raises on transport errors
        self.signer = signer  # (bytes) -> base64 Ed25519 signature with the network's key
        self.settings = settings or Settings()
        self.movements: dict[str, Movement] = {}
        self.faults: list[Fault] = []
        self.settlement_files: dict[str, str] = {}  # day -> path of a file to serve as it is (benchmarks)
        self.notifications_sent = 0
        self._refs = itertools.count(1)
        self._tasks: set[asyncio.Task] = set()

    # --- faults -----------------------------------------------------------------------
    def add_fault(self, fault: Fault) -> None:
        if fault.kind not in FAULTS:
            raise ValueError(f"unknown fault {fault.kind!r}; one of {', '.join(FAULTS)}")
        self.faults.append(fault)

    def _take_faults(self, card: str | None) -> list[Fault]:
        taken = []
        for fault in self.faults:
            if fault.matches(card) and all(f.kind != fault.kind for f in taken):
                fault.times -= 1
                taken.append(fault)
        self.faults = [f for f in self.faults if f.times > 0]
        return taken

    # --- movements ----------------------------------------------------------------------
    def _ref(self) -> str:
        return f"N{datetime.now(CST):%Y%m%d}{next(self._refs):010d}"

    async def submit(self, *, kind: str, request_id: str, card: str, amount: int, currency: str,
                     description: str) -> tuple[Movement, bool]:
        """Accept a debit (card to bank) or credit (bank to card); returns (movement, is_new).

        The same request id is one movement: a retry gets the same answer.
        """
        existing = self.movements.get(request_id)
        if existing is not None:
            return existing, False
        faults = self._take_faults(card)
        timeout = next((f for f in faults if f.kind == "timeout"), None)
        if timeout is not None and not timeout.processed:
            await asyncio.sleep(self.settings.hang_ms / 1000)  # lost on the way: never recorded
            raise TimeoutError
        movement = Movement(self._ref(), request_id, kind, amount, currency, card=card, description=description,
                            faults=faults)
        self.movements[request_id] = movement
        if not luhn_ok(card):
            movement.faults.append(Fault("decline", reason="INVALID_CARD"))
        if movement.has("notify_before_response"):
            await self._settle_and_notify(movement)
        else:
            self._spawn(self._settle_and_notify(movement))
        if timeout is not None:
            await asyncio.sleep(self.settings.hang_ms / 1000)
            raise TimeoutError
        return movement, True

    async def inbound(self, *, account: str, amount: int, currency: str, payer_name: str, payer_bank: str,
                      request_id: str | None = None) -> Movement:
        """Money sent to a bank customer from another bank: settled at once, then notified."""
        movement = Movement(self._ref(), request_id or f"in-{next(self._refs)}", INBOUND, amount, currency,
                            account=account, payer_name=payer_name, payer_bank=payer_bank,
                            faults=self._take_faults(None), status=SUCCEEDED, settled_at=time.time())
        self.movements[movement.request_id] = movement
        copies = movement.has("duplicate_notification")
        for _ in range(copies.copies if copies else 1):
            await self._deliver(movement)
        return movement

    def book(self, *, kind: str, request_id: str, amount: int, currency: str, card: str = "", account: str = "",
             status: str = SUCCEEDED) -> Movement:
        """A movement in the network's books that the bank never asked for, settled now, never notified."""
        movement = Movement(self._ref(), request_id, kind, amount, currency, card=card, account=account,
                            status=status, settled_at=time.time())
        self.movements[request_id] = movement
        return movement

    def amend(self, request_id: str, *, amount: int | None = None, status: str | None = None,
              forget: bool = False) -> Movement | None:
        """Change the network's books after the fact (its own error, for reconciliation tests)."""
        movement = self.movements.get(request_id)
        if movement is None:
            return None
        if forget:
            del self.movements[request_id]
            return movement
        if amount is not None:
            movement.amount = amount
        if status is not None:
            movement.status = status
        return movement

    async def _settle_and_notify(self, movement: Movement) -> None:
        if self.settings.notify_delay_ms:
            await asyncio.sleep(self.settings.notify_delay_ms / 1000)
        decline = movement.has("decline")
        movement.status = DECLINED if decline else SUCCEEDED
        movement.decline_reason = decline.reason if decline else None
        movement.settled_at = time.time()
        if movement.has("no_notification"):
            return
        copies = movement.has("duplicate_notification")
        for _ in range(copies.copies if copies else 1):
            await self._deliver(movement)

    def notification(self, movement: Movement) -> dict:
        amount, currency = movement.amount, movement.currency
        if fault := movement.has("wrong_amount"):
            amount += fault.delta
        if movement.has("wrong_currency"):
            currency = "USD" if currency != "USD" else "EUR"
        body = {
            "type": {DEBIT: "DEBIT_RESULT", CREDIT: "CREDIT_RESULT", INBOUND: "INBOUND_CREDIT"}[movement.kind],
            "networkRef": movement.network_ref, "requestId": movement.request_id, "status": movement.status,
            "amount": amount, "currency": currency, "declineReason": movement.decline_reason,
            "settledAt": iso(movement.settled_at or time.time()),
        }
        if movement.kind == INBOUND:
            body.update(payeeAccount=movement.account, payerName=movement.payer_name, payerBank=movement.payer_bank)
        return body

    async def _deliver(self, movement: Movement) -> None:
        """Notify until the bank answers 2xx; an inbound credit it refuses (4xx) is returned."""
        payload = self.notification(movement)
        for attempt in range(self.settings.max_notify_attempts):
            try:
                status, body = await self.notifier(payload)
                self.notifications_sent += 1
            except Exception as exc:  # noqa: BLE001 - any transport failure is retried
                log.info("notification %s failed: %s", movement.network_ref, exc)
                status, body = 0, {}
            if 200 <= status < 300:
                return
            if movement.kind == INBOUND and 400 <= status < 500:
                movement.status, movement.decline_reason = RETURNED, (body.get("error") or {}).get("code")
                return
            await asyncio.sleep(self.settings.retry_base_ms / 1000 * 2 ** min(attempt, 5))
        log.warning("gave up notifying %s", movement.network_ref)

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        """Wait until every notification in flight is delivered or given up."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # --- settlement ---------------------------------------------------------------------
    def settlement_lines(self, day: str) -> Iterator[str]:
        """The day's file: one loaded for the day (``load_settlement_file``), else built from the books."""
        loaded = self.settlement_files.get(day)
        if loaded is not None:
            return _file_lines(loaded)
        return self._built_settlement_lines(day)

    def _built_settlement_lines(self, day: str) -> Iterator[str]:
        """The settlement file of one China Standard Time day, as CSV lines.

        Every movement that reached a final state that day, in settlement order, then a
        trailer ``TRAILER,<count>,<sum of amounts>,<sha256 hex of every line before it>,<signature>``,
        the signature over ``CNET-V1-SETTLEMENT\n<day>\n<count>\n<sum>\n<sha256 hex>``.
        """
        start = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=CST).timestamp()
        end = start + 86_400
        rows = sorted((m for m in self.movements.values()
                       if m.settled_at is not None and start <= m.settled_at < end), key=lambda m: m.settled_at)
        digest, count, total = hashlib.sha256(), 0, 0
        for line in itertools.chain([SETTLEMENT_COLUMNS], (self._row(m) for m in rows)):
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerow(line)
            text = buffer.getvalue()
            digest.update(text.encode())
            if line is not SETTLEMENT_COLUMNS:
                count += 1
                total += int(line[5])
            yield text
        control = f"{count}\n{total}\n{digest.hexdigest()}"
        signature = self.signer(f"CNET-V1-SETTLEMENT\n{day}\n{control}".encode())
        yield f"TRAILER,{count},{total},{digest.hexdigest()},{signature}\n"

    @staticmethod
    def _row(m: Movement) -> tuple:
        return (m.network_ref, m.request_id, m.kind, mask_card(m.card) if m.card else "", m.account, str(m.amount),
                m.currency, m.status, iso(m.settled_at or 0))


def _file_lines(path: str) -> Iterator[str]:
    """The file in blocks of whole lines' worth of bytes (a hop to a thread per block, not per line)."""
    with open(path, encoding="utf-8", newline="") as handle:
        while block := handle.read(1 << 16):
            yield block
