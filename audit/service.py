"""The tamper-evident audit log: operator actions in one HMAC-chained sequence.

Domains call ``record`` inside the transaction of the action itself, so an action and its
record commit together or not at all. ``verify`` walks the chain and names the first record
that does not hold (edited, deleted or moved); ``superapp audit verify`` runs it.

The chain's key is derived from the server's secret by the composition root
(``configure``); a database administrator without it cannot forge a consistent chain.
What the chain cannot show alone is the loss of its newest records: ``verify`` reports the
head it found, for comparison with one kept elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from tortoise.transactions import in_transaction

from audit.models import AuditHead, AuditRecord

__all__ = ["ChainBreak", "ChainReport", "Entry", "configure", "digest_at", "record", "records", "verify"]

_HEAD_ID = 1
_GENESIS = "0" * 64
_key: bytes | None = None


def configure(secret: str) -> None:
    """Derive the chain's key from the server's secret; once per process, at start."""
    global _key
    _key = hashlib.sha256(b"superapp audit chain\x00" + secret.encode()).digest()


def _digest(previous: str, seq: int, at: datetime, actor: str, action: str, subject: str,
            detail: Mapping[str, object]) -> str:
    if _key is None:
        raise RuntimeError("audit.service.configure() was not called")
    content = json.dumps([seq, at.astimezone(timezone.utc).isoformat(timespec="microseconds"), actor, action, subject,
                          detail], ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(_key, previous.encode() + b"\n" + content.encode(), hashlib.sha256).hexdigest()


async def record(*, actor: str, action: str, subject: str, detail: Mapping[str, object] | None = None) -> int:
    """Append one action; inside the caller's transaction when there is one. Returns its seq."""
    content = json.loads(json.dumps(dict(detail or {}), ensure_ascii=False, default=str))  # as it will be read back
    await AuditHead.get_or_create(id=_HEAD_ID, defaults={"seq": 0, "digest": _GENESIS})
    async with in_transaction():
        head = await AuditHead.select_for_update().get(id=_HEAD_ID)
        seq = int(head.seq) + 1
        at = datetime.now(timezone.utc)
        digest = _digest(head.digest, seq, at, actor, action, subject, content)
        await AuditRecord.create(seq=seq, at=at, actor=actor[:64], action=action[:64], subject=subject[:128],
                                 detail=content, previous=head.digest, digest=digest)
        head.seq, head.digest = seq, digest
        await head.save(update_fields=["seq", "digest"])
    return seq


@dataclass(frozen=True, slots=True)
class ChainBreak:
    seq: int  # the first record that does not hold (or the seq that is missing)
    reason: str  # EDITED | MISSING | OUT_OF_ORDER | HEAD_MISMATCH


@dataclass(frozen=True, slots=True)
class ChainReport:
    records: int
    head_seq: int
    head_digest: str
    breaks: tuple[ChainBreak, ...]

    @property
    def intact(self) -> bool:
        return not self.breaks


async def verify(*, batch: int = 5000) -> ChainReport:
    """Walk the whole chain in seq order, in batches; report every break found."""
    breaks: list[ChainBreak] = []
    previous, expected, count, after = _GENESIS, 1, 0, 0
    while True:
        rows = await AuditRecord.filter(seq__gt=after).order_by("seq").limit(batch)
        if not rows:
            break
        for row in rows:
            count += 1
            if row.seq != expected:
                breaks.append(ChainBreak(expected, "MISSING"))
            if row.previous != previous:
                breaks.append(ChainBreak(row.seq, "OUT_OF_ORDER"))
            elif _digest(row.previous, row.seq, row.at, row.actor, row.action, row.subject, row.detail) != row.digest:
                breaks.append(ChainBreak(row.seq, "EDITED"))
            previous, expected, after = row.digest, row.seq + 1, row.seq
    head = await AuditHead.get_or_none(id=_HEAD_ID)
    head_seq, head_digest = (head.seq, head.digest) if head is not None else (0, _GENESIS)
    if (head_seq, head_digest) != (after, previous):
        breaks.append(ChainBreak(head_seq, "HEAD_MISMATCH"))
    return ChainReport(count, head_seq, head_digest, tuple(breaks))


@dataclass(frozen=True, slots=True)
class Entry:
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    detail: Mapping[str, object]


async def records(*, subject: str | None = None, action: str | None = None, limit: int = 100,
                  before_seq: int | None = None) -> list[Entry]:
    """The newest records first, optionally of one subject or action (for consoles); with
    ``before_seq``, the page of those older than that record."""
    query = AuditRecord.all()
    if before_seq is not None:
        query = query.filter(seq__lt=before_seq)
    if subject is not None:
        query = query.filter(subject=subject)
    if action is not None:
        query = query.filter(action=action)
    rows = await query.order_by("-seq").limit(max(1, min(limit, 1000)))
    return [Entry(r.seq, r.at, r.actor, r.action, r.subject, r.detail) for r in rows]


async def digest_at(seq: int) -> str | None:
    """The digest of record ``seq``, to compare with a head noted elsewhere."""
    found = await AuditRecord.filter(seq=seq).values_list("digest", flat=True)
    return str(found[0]) if found else None
