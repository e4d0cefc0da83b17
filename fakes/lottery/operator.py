"""The operator's books: tickets, reservations of their prizes, faults a test switches on.

A ticket's prize is paid once, by one channel: the bank reserves it (the ticket is held
for that reservation), then confirms (paid) or cancels (free again). A ticket paid at a
shop meanwhile is ``PAID_ELSEWHERE``.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from fakes.lottery.signing import code_hash

CST = timezone(timedelta(hours=8))
UNCLAIMED, RESERVED, PAID, PAID_ELSEWHERE = "UNCLAIMED", "RESERVED", "PAID", "PAID_ELSEWHERE"
CONFIRMED, CANCELLED = "CONFIRMED", "CANCELLED"
STEPS = ("lookup", "reserve", "confirm", "cancel", "query")
FAULT_KINDS = ("timeout", "unknown_ticket", "paid_elsewhere", "duplicate_confirmation")
SETTLEMENT_HEADER = "reservationId,ticketNumber,game,draw,amount,confirmedAt"


@dataclass
class Ticket:
    number: str
    game: str
    draw: str
    draw_date: date
    security_hash: str
    prize: int  # fen
    state: str = UNCLAIMED
    reservation_id: str | None = None

    @classmethod
    def of(cls, item: dict) -> Ticket:
        """A ticket from the admin route's JSON (the security code in clear, kept only hashed)."""
        number = str(item["ticketNumber"])
        return cls(number=number, game=str(item.get("game", "双色球")), draw=str(item.get("draw", "2026138")),
                   draw_date=date.fromisoformat(item["drawDate"]),
                   security_hash=code_hash(number, str(item["securityCode"])), prize=int(item["prize"]),
                   state=str(item.get("state", UNCLAIMED)))

    def public(self) -> dict:
        return {"ticketNumber": self.number, "game": self.game, "draw": self.draw,
                "drawDate": self.draw_date.isoformat(), "securityCodeHash": self.security_hash,
                "prize": self.prize, "state": self.state}


@dataclass
class Reservation:
    reservation_id: str
    ticket_number: str
    amount: int
    state: str = RESERVED
    bank_ref: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    confirmed_at: datetime | None = None

    def public(self) -> dict:
        return {"reservationId": self.reservation_id, "ticketNumber": self.ticket_number, "amount": self.amount,
                "state": self.state, "bankRef": self.bank_ref,
                "confirmedAt": self.confirmed_at.isoformat() if self.confirmed_at else None}


@dataclass
class Fault:
    kind: str
    step: str = "reserve"  # which request it hits
    times: int = 1
    ticket: str | None = None  # only requests about this ticket; None: any
    processed: bool = False  # timeout: the operator books the request before it stops answering

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS or self.step not in STEPS or self.times < 1:
            raise ValueError(f"kind is one of {FAULT_KINDS}, step one of {STEPS}, times at least 1")


@dataclass
class Settings:
    latency_ms: int = 0
    hang_ms: int = 3_000  # how long a timeout fault keeps the request waiting before dropping it


class Hang(Exception):
    """The request gets no answer (after ``hang_ms``)."""


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Operator:
    def __init__(self, sign: Callable[[bytes], str], settings: Settings | None = None) -> None:
        self.sign = sign
        self.settings = settings or Settings()
        self.tickets: dict[str, Ticket] = {}
        self.reservations: dict[str, Reservation] = {}
        self.faults: list[Fault] = []
        self.settlement_files: dict[str, bytes] = {}  # a day's file as a test wrote it
        self.lock = asyncio.Lock()  # one request at a time changes the books, as one database would

    def take_fault(self, step: str, ticket: str | None) -> Fault | None:
        for fault in self.faults:
            if fault.step == step and fault.ticket in (None, ticket):
                fault.times -= 1
                if fault.times == 0:
                    self.faults.remove(fault)
                return fault
        return None

    def ticket(self, number: str, fault: Fault | None) -> Ticket:
        ticket = self.tickets.get(number)
        if ticket is None or (fault is not None and fault.kind == "unknown_ticket"):
            raise Refusal(404, "UNKNOWN_TICKET", "no such ticket")
        return ticket

    def lookup(self, number: str) -> dict:
        fault = self.take_fault("lookup", number)
        if fault is not None and fault.kind == "timeout":
            raise Hang()
        return self.ticket(number, fault).public()

    def reserve(self, reservation_id: str, number: str, code_hash: str, amount: int) -> tuple[Reservation, bool]:
        fault = self.take_fault("reserve", number)
        if fault is not None and fault.kind == "timeout" and not fault.processed:
            raise Hang()
        existing = self.reservations.get(reservation_id)
        if existing is not None:
            if (existing.ticket_number, existing.amount) != (number, amount):
                raise Refusal(409, "RESERVATION_ID_REUSED", "this reservationId was used for another ticket")
            return existing, False
        ticket = self.ticket(number, fault)
        if fault is not None and fault.kind == "paid_elsewhere":
            ticket.state = PAID_ELSEWHERE
        if ticket.security_hash != code_hash:
            raise Refusal(422, "WRONG_SECURITY_CODE", "the security code does not match")
        if ticket.state in (PAID, PAID_ELSEWHERE):
            raise Refusal(409, "ALREADY_PAID", "this ticket's prize was already paid")
        if ticket.state == RESERVED:
            raise Refusal(409, "ALREADY_RESERVED", "this ticket is reserved by another claim")
        if amount != ticket.prize:
            raise Refusal(422, "WRONG_AMOUNT", "the amount is not this ticket's prize")
        reservation = Reservation(reservation_id, number, amount)
        self.reservations[reservation_id] = reservation
        ticket.state, ticket.reservation_id = RESERVED, reservation_id
        if fault is not None and fault.kind == "timeout":
            raise Hang()
        return reservation, True

    def _reservation(self, reservation_id: str) -> Reservation:
        reservation = self.reservations.get(reservation_id)
        if reservation is None:
            raise Refusal(404, "NOT_FOUND", "no reservation with this id")
        return reservation

    def confirm(self, reservation_id: str, bank_ref: str) -> Reservation:
        reservation = self._reservation(reservation_id)
        fault = self.take_fault("confirm", reservation.ticket_number)
        if fault is not None and fault.kind == "timeout" and not fault.processed:
            raise Hang()
        if reservation.state == CANCELLED:
            raise Refusal(409, "RESERVATION_CANCELLED", "this reservation was cancelled")
        first = reservation.state == RESERVED
        if first:
            reservation.state, reservation.bank_ref = CONFIRMED, bank_ref
            reservation.confirmed_at = datetime.now(timezone.utc)
            self.tickets[reservation.ticket_number].state = PAID
        if fault is not None and fault.kind == "timeout":
            raise Hang()
        if not first or (fault is not None and fault.kind == "duplicate_confirmation"):
            raise Refusal(409, "ALREADY_CONFIRMED", "this reservation was already confirmed")
        return reservation

    def cancel(self, reservation_id: str) -> Reservation:
        reservation = self._reservation(reservation_id)
        fault = self.take_fault("cancel", reservation.ticket_number)
        if fault is not None and fault.kind == "timeout" and not fault.processed:
            raise Hang()
        if reservation.state == CONFIRMED:
            raise Refusal(409, "ALREADY_CONFIRMED", "a confirmed reservation cannot be cancelled")
        if reservation.state == RESERVED:
            reservation.state = CANCELLED
            ticket = self.tickets[reservation.ticket_number]
            if ticket.state == RESERVED and ticket.reservation_id == reservation_id:
                ticket.state, ticket.reservation_id = UNCLAIMED, None
        if fault is not None and fault.kind == "timeout":
            raise Hang()
        return reservation

    def query(self, reservation_id: str) -> Reservation:
        reservation = self._reservation(reservation_id)
        fault = self.take_fault("query", reservation.ticket_number)
        if fault is not None and fault.kind == "timeout":
            raise Hang()
        return reservation

    def settlement_lines(self, day: str) -> Iterator[bytes]:
        """The day's (China Standard Time) confirmed payouts, then the signed trailer."""
        digest = hashlib.sha256()
        count = total = 0
        header = SETTLEMENT_HEADER + "\n"
        digest.update(header.encode())
        yield header.encode()
        for r in sorted(self.reservations.values(), key=lambda r: (r.confirmed_at or r.created_at)):
            if r.state != CONFIRMED or r.confirmed_at is None or r.confirmed_at.astimezone(CST).date().isoformat() != day:
                continue
            ticket = self.tickets[r.ticket_number]
            line = f"{r.reservation_id},{r.ticket_number},{ticket.game},{ticket.draw},{r.amount}," \
                   f"{r.confirmed_at.isoformat()}\n".encode()
            digest.update(line)
            count, total = count + 1, total + r.amount
            yield line
        hexdigest = digest.hexdigest()
        signature = self.sign(f"LOTO-V1-SETTLEMENT\n{day}\n{count}\n{total}\n{hexdigest}".encode())
        yield f"TRAILER,{count},{total},{hexdigest},{signature}\n".encode()
