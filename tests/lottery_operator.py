"""The fake lottery operator (fakes/lottery) as its own process, for tests and benchmarks.

``async with lottery_operator() as operator:`` starts it on a free port with fresh keys;
``operator.bank_seed`` signs the bank's requests, ``operator.public_key`` verifies the
operator's answers, and the admin helpers issue tickets, inject faults and read its books.
"""

from __future__ import annotations

import asyncio
import sys
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from itertools import count

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.card_network import _public, _seed
from tests.servers import ROOT

CST = timezone(timedelta(hours=8))
_numbers = count(1)


def today() -> date:
    return datetime.now(CST).date()


def ticket_number() -> str:
    """A fresh 20-digit ticket number."""
    return f"2026{next(_numbers):016d}"


@dataclass
class LotteryOperator:
    url: str
    bank_seed: str  # base64 Ed25519 seed the bank signs with
    public_key: str  # base64; verifies what the operator signs
    admin: httpx.AsyncClient

    def environ(self) -> dict[str, str]:
        """The bank's settings that point it at this operator."""
        return {"LOTTERY_OPERATOR_URL": self.url, "LOTTERY_OPERATOR_PUBLIC_KEY": self.public_key,
                "LOTTERY_BANK_SIGNING_KEY": self.bank_seed}

    async def ticket(self, *, prize: int, code: str = "480613", drawn: date | None = None, number: str | None = None,
                     **extra) -> str:
        """Issue one ticket; its number."""
        number = number or ticket_number()
        await self.tickets([{"ticketNumber": number, "securityCode": code, "prize": prize,
                             "drawDate": (drawn or today()).isoformat(), **extra}])
        return number

    async def tickets(self, tickets: list[dict]) -> None:
        (await self.admin.post("/admin/tickets", json={"tickets": tickets})).raise_for_status()

    async def fault(self, kind: str, **options) -> None:
        (await self.admin.post("/admin/faults", json={"kind": kind, **options})).raise_for_status()

    async def configure(self, **settings: int) -> None:
        (await self.admin.post("/admin/settings", json=settings)).raise_for_status()

    async def amend(self, reservation_id: str, **change) -> dict:
        answer = await self.admin.post("/admin/amend", json={"reservationId": reservation_id, **change})
        answer.raise_for_status()
        return answer.json()

    async def serve_settlement_file(self, day: date, content: str) -> None:
        (await self.admin.post("/admin/settlement-file", json={"day": day.isoformat(), "content": content})
         ).raise_for_status()

    async def books(self) -> dict:
        return (await self.admin.get("/admin/books")).json()

    async def ticket_state(self, number: str) -> str:
        return next(t["state"] for t in (await self.books())["tickets"] if t["ticketNumber"] == number)

    async def confirmed(self) -> list[dict]:
        return [r for r in (await self.books())["reservations"] if r["state"] == "CONFIRMED"]


@asynccontextmanager
async def lottery_operator(*, latency_ms: int = 0):
    bank, operator = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fakes.lottery", "--operator-key", _seed(operator), "--bank-public-key", _public(bank),
        "--latency-ms", str(latency_ms), cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), timeout=60)).decode().strip()
        if not line.startswith("listening on "):
            raise RuntimeError(f"lottery operator did not start: {line}{(await process.stdout.read()).decode()}")
        url = line.removeprefix("listening on ")
        async with httpx.AsyncClient(base_url=url, timeout=30) as admin:
            yield LotteryOperator(url, _seed(bank), _public(operator), admin)
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()
