"""The fake card network (fakes/cardnetwork) as its own process, for tests.

``async with card_network(callback_url) as network:`` starts it on a free port with fresh
keys; ``network.bank_key`` signs the bank's requests, ``network.public_key`` verifies the
network's, and the admin helpers inject faults and read its books.
"""

from __future__ import annotations

import asyncio
import base64
import sys
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.servers import ROOT


def _seed(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                            serialization.NoEncryption())
    return base64.b64encode(raw).decode()


def _public(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


@dataclass
class CardNetwork:
    url: str
    bank_seed: str  # base64 Ed25519 seed the bank signs with
    network_public_key: str  # base64; verifies what the network signs
    admin: httpx.AsyncClient
    network_seed: str = ""  # base64 Ed25519 seed of the network: tests forge nothing else with it

    @property
    def bank_public_key(self) -> str:
        return _public(Ed25519PrivateKey.from_private_bytes(base64.b64decode(self.bank_seed)))

    async def fault(self, kind: str, **options) -> None:
        (await self.admin.post("/admin/faults", json={"kind": kind, **options})).raise_for_status()

    async def configure(self, **settings: int) -> None:
        (await self.admin.post("/admin/settings", json=settings)).raise_for_status()

    async def inbound(self, **transfer) -> dict:
        answer = await self.admin.post("/admin/inbound", json=transfer)
        answer.raise_for_status()
        return answer.json()

    async def movements(self) -> list[dict]:
        return (await self.admin.get("/admin/movements")).json()["movements"]

    async def notifications_sent(self) -> int:
        return (await self.admin.get("/admin/movements")).json()["notificationsSent"]

    async def book(self, **movement) -> dict:
        """A movement the bank never asked for, in the network's books only."""
        answer = await self.admin.post("/admin/book", json=movement)
        answer.raise_for_status()
        return answer.json()

    async def amend(self, request_id: str, **change) -> dict:
        """Change the network's books after the fact: ``amount=``, ``status=`` or ``forget=True``."""
        answer = await self.admin.post("/admin/amend", json={"requestId": request_id, **change})
        answer.raise_for_status()
        return answer.json()

    async def load_settlement_file(self, day: str, path: str) -> None:
        (await self.admin.post("/admin/settlement-file", json={"day": day, "path": path})).raise_for_status()


@asynccontextmanager
async def card_network(callback_url: str, *, latency_ms: int = 0):
    bank, network = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fakes.cardnetwork", "--callback-url", callback_url,
        "--network-key", _seed(network), "--bank-public-key", _public(bank), "--latency-ms", str(latency_ms),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), timeout=60)).decode().strip()
        if not line.startswith("listening on "):
            raise RuntimeError(f"card network did not start: {line}{(await process.stdout.read()).decode()}")
        url = line.removeprefix("listening on ")
        async with httpx.AsyncClient(base_url=url, timeout=30) as admin:
            yield CardNetwork(url, _seed(bank), _public(network), admin, _seed(network))
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()
