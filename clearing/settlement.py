"""The network's settlement file, read as it streams in, checked line by line and at the end.

One CSV per China Standard Time day: a header, one line per movement that reached a final
state that day, then ``TRAILER,<count>,<sum>,<sha256 hex of every line before it>,<sig>``
with the network's signature over ``CNET-V1-SETTLEMENT\\n<day>\\n<count>\\n<sum>\\n<sha256>``.
Lines are handed on in batches while the digest runs; only the trailer proves the file
whole and the network's, so whoever stores the lines must undo them when it fails
(``SettlementFileRejected``).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from infra.i18n import Text, yuan
from clearing.errors import SettlementFileRejected
from clearing.signing import Verifier

HEADER = b"networkRef,requestId,kind,card,account,amount,currency,status,settledAt\n"
KINDS = frozenset({"DEBIT", "CREDIT", "INBOUND"})
STATUSES = frozenset({"SUCCEEDED", "DECLINED", "RETURNED"})
MAX_LINE = 1_024
BATCH = 5_000

# (request_id, network_ref, kind, amount, currency, status, settled_at)
Line = tuple[str, str, str, int, str, str, str]


@dataclass
class FileSummary:
    lines: int = 0
    total: int = 0


async def settlement_lines(chunks: AsyncIterator[bytes], *, day: str, verifier: Verifier,
                           summary: FileSummary) -> AsyncIterator[list[Line]]:
    """Batches of parsed lines; raises SettlementFileRejected on a bad line or trailer."""
    digest = hashlib.sha256()
    buffer = b""
    batch: list[Line] = []
    header_seen = False
    trailer: bytes | None = None
    async for chunk in chunks:
        buffer += chunk
        *complete, buffer = buffer.split(b"\n")
        if len(buffer) > MAX_LINE:
            raise SettlementFileRejected(Text("clearing.file_line_too_long"))
        for raw in complete:
            if trailer is not None:
                raise SettlementFileRejected(Text("clearing.file_after_trailer"))
            line = raw + b"\n"
            if raw.startswith(b"TRAILER,"):
                trailer = raw
                continue
            digest.update(line)
            if not header_seen:
                if line != HEADER:
                    raise SettlementFileRejected(Text("clearing.file_header"))
                header_seen = True
                continue
            parsed = _line(raw, summary.lines + 2)
            summary.lines += 1
            summary.total += parsed[3]
            batch.append(parsed)
            if len(batch) >= BATCH:
                yield batch
                batch = []
    if buffer:
        raise SettlementFileRejected(Text("clearing.file_cut_line"))
    if trailer is None:
        raise SettlementFileRejected(Text("clearing.file_no_trailer"))
    _check_trailer(trailer, digest.hexdigest(), day, summary, verifier)
    if batch:
        yield batch


def _line(raw: bytes, number: int) -> Line:
    try:
        text = raw.decode()
        fields = next(csv.reader([text])) if '"' in text else text.split(",")
        ref, request_id, kind, _card, _account, amount, currency, status, settled_at = fields
        if kind not in KINDS or status not in STATUSES or not amount.isdigit() or len(amount) > 16:
            raise ValueError
        if not (request_id and len(request_id) <= 64 and ref and len(ref) <= 32 and len(currency) == 3):
            raise ValueError
        return request_id, ref, kind, int(amount), currency, status, settled_at
    except (ValueError, UnicodeDecodeError):
        raise SettlementFileRejected(Text("clearing.file_line_malformed", line=number)) from None


def _check_trailer(trailer: bytes, digest: str, day: str, summary: FileSummary, verifier: Verifier) -> None:
    parts = trailer.decode(errors="replace").split(",")
    if len(parts) != 5 or not parts[1].isdigit() or not parts[2].isdigit():
        raise SettlementFileRejected(Text("clearing.file_trailer_malformed"))
    _, count, total, their_digest, signature = parts
    if (int(count), int(total)) != (summary.lines, summary.total):
        raise SettlementFileRejected(Text(
            "clearing.file_trailer_counts", count=count, total=yuan(int(total)), lines=summary.lines,
            sum=yuan(summary.total),
        ))
    if their_digest != digest:
        raise SettlementFileRejected(Text("clearing.file_digest"))
    if not verifier.settlement_signature_ok(day, summary.lines, summary.total, digest, signature):
        raise SettlementFileRejected(Text("clearing.file_signature"))
