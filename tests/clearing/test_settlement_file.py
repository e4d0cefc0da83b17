"""The settlement file is read as a stream and believed only when its trailer proves it: every
line counted and summed, the digest of every line, the network's signature over the day."""

from __future__ import annotations

import base64
from datetime import datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from clearing.errors import SettlementFileRejected
from clearing.settlement import FileSummary, settlement_lines
from clearing.signing import Verifier
from fakes.cardnetwork.network import CST, Network

DAY = "2026-12-01"


def network_file(key: Ed25519PrivateKey, count: int = 3) -> bytes:
    """A real file as the fake network writes it, for ``count`` settled debits on DAY."""
    network = Network(notifier=None, signer=lambda data: base64.b64encode(key.sign(data)).decode())
    for n in range(count):
        movement = network.book(kind="DEBIT", request_id=f"T{n}", amount=100 + n, currency="CNY",
                                card="6222020000000015")
        movement.settled_at = datetime(2026, 12, 1, 8, 0, n, tzinfo=CST).timestamp()
    return "".join(network.settlement_lines(DAY)).encode()


async def read(raw: bytes, verifier: Verifier, chunk: int = 7, day: str = DAY) -> tuple[list, FileSummary]:
    async def chunks():
        for start in range(0, len(raw), chunk):  # a stream cut at arbitrary places
            yield raw[start:start + chunk]

    summary, lines = FileSummary(), []
    async for batch in settlement_lines(chunks(), day=day, verifier=verifier, summary=summary):
        lines.extend(batch)
    return lines, summary


@pytest.fixture
def keys():
    key = Ed25519PrivateKey.generate()
    return key, Verifier(key.public_key(), "cnet-1")


async def test_a_true_file_is_read_line_by_line(keys):
    key, verifier = keys

    lines, summary = await read(network_file(key), verifier)

    assert [(line[0], line[2], line[3], line[5]) for line in lines] == [
        ("T0", "DEBIT", 100, "SUCCEEDED"), ("T1", "DEBIT", 101, "SUCCEEDED"), ("T2", "DEBIT", 102, "SUCCEEDED")]
    assert (summary.lines, summary.total) == (3, 303)


async def test_an_altered_cut_or_forged_file_is_rejected(keys):
    key, verifier = keys
    true = network_file(key)
    body, trailer = true[:true.rindex(b"TRAILER")], true[true.rindex(b"TRAILER"):]
    first_line_end = body.index(b"\n") + 1
    second_line_end = body.index(b"\n", first_line_end) + 1
    forger = Ed25519PrivateKey.generate()

    variants = {
        "a line dropped": body[:first_line_end] + body[second_line_end:] + trailer,
        "an amount changed": true.replace(b",101,", b",901,"),
        "cut before the trailer": body,
        "cut inside the last line": true[:-5],
        "a line after the trailer": true + b"N9,T9,DEBIT,,,1,CNY,SUCCEEDED,x\n",
        "another header": true.replace(b"networkRef,", b"ref,", 1),
        "signed by someone else": network_file(forger),
        "a malformed line": true.replace(b",CNY,SUCCEEDED,", b",CNY,MAYBE,", 1),
    }
    for why, raw in variants.items():
        try:
            await read(raw, verifier)
        except SettlementFileRejected:
            continue
        pytest.fail(f"{why}: accepted")
    with pytest.raises(SettlementFileRejected, match="不是银行卡网络签发的"):
        await read(true, verifier, day="2026-12-02")  # a true file, presented as another day's
