"""The day's payouts against the operator's signed settlement file, every mismatch by kind.

The bank's side is each claim confirmed to us that China Standard Time day; the file's is
each reservation the operator confirmed that day. Read as a stream, checked against its
trailer (count, sum, SHA-256 of the lines, the operator's signature) before it is believed.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

import httpx

from infra.i18n import Text
from miniprograms.lottery.errors import OperatorUnavailable, SettlementFileRejected
from miniprograms.lottery.kinds import ClaimState, MismatchKind
from miniprograms.lottery.models import PrizeClaim
from miniprograms.lottery.operator import OperatorClient

HEADER = b"reservationId,ticketNumber,game,draw,amount,confirmedAt"
MAX_LINE = 512


@dataclass(frozen=True, slots=True)
class FileLine:
    reservation_id: str
    ticket_number: str
    amount: int


@dataclass(frozen=True, slots=True)
class Mismatch:
    kind: MismatchKind
    reservation_id: str
    ticket_number: str
    bank_amount: int | None
    operator_amount: int | None


@dataclass(frozen=True, slots=True)
class SettlementReport:
    day: date
    operator_count: int
    operator_total: int
    bank_count: int
    bank_total: int
    mismatches: tuple[Mismatch, ...]

    @property
    def balanced(self) -> bool:
        return not self.mismatches


async def _lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    rest = b""
    async for chunk in chunks:
        rest += chunk
        *whole, rest = rest.split(b"\n")
        for line in whole:
            yield line
        if len(rest) > MAX_LINE:
            raise SettlementFileRejected(Text("lottery.settlement_line_too_long"))
    if rest:
        yield rest


async def read_file(operator: OperatorClient, day: date) -> dict[str, FileLine]:
    """The file's lines by reservation id, once the trailer vouches for all of them."""
    digest, found, total, trailer, first = hashlib.sha256(), {}, 0, None, True
    try:
        async for line in _lines(operator.settlement_file(day)):
            if trailer is not None:
                raise SettlementFileRejected(Text("lottery.settlement_after_trailer"))
            if first != (line == HEADER):
                raise SettlementFileRejected(Text("lottery.settlement_header"))
            if line.startswith(b"TRAILER,"):
                trailer = line.decode(errors="replace").split(",")
                continue
            digest.update(line + b"\n")
            if first:
                first = False
                continue
            fields = line.decode(errors="replace").split(",")
            if len(fields) != 6 or not fields[4].isdigit() or fields[0] in found:
                raise SettlementFileRejected(Text("lottery.settlement_line"))
            found[fields[0]] = FileLine(fields[0], fields[1], int(fields[4]))
            total += int(fields[4])
    except (httpx.HTTPError, ValueError) as exc:
        if isinstance(exc, SettlementFileRejected):
            raise
        raise OperatorUnavailable() from None
    if trailer is None or len(trailer) != 5:
        raise SettlementFileRejected(Text("lottery.settlement_no_trailer"))
    _, count, summed, hexdigest, signature = trailer
    if count != str(len(found)) or summed != str(total) or hexdigest != digest.hexdigest():
        raise SettlementFileRejected(Text("lottery.settlement_trailer"))
    if not operator.signer.settlement_is_operators(day.isoformat(), len(found), total, hexdigest, signature):
        raise SettlementFileRejected(Text("lottery.settlement_signature"))
    return found


async def reconcile(operator: OperatorClient, day: date) -> SettlementReport:
    in_file = await read_file(operator, day)
    ours = {c.reservation_id: c for c in await PrizeClaim.filter(business_day=day, state=ClaimState.CONFIRMED)}
    others = {c.reservation_id: c for c in await PrizeClaim.filter(reservation_id__in=list(in_file.keys())[:10_000])
              if c.reservation_id not in ours}
    mismatches: list[Mismatch] = []
    for reservation_id, claim in sorted(ours.items()):
        line = in_file.get(reservation_id)
        if line is None:
            mismatches.append(Mismatch(MismatchKind.MISSING_AT_OPERATOR, reservation_id, claim.ticket_number,
                                       claim.prize, None))
        elif line.amount != claim.prize:
            mismatches.append(Mismatch(MismatchKind.AMOUNT_DIFFERS, reservation_id, claim.ticket_number,
                                       claim.prize, line.amount))
        elif line.ticket_number != claim.ticket_number:
            mismatches.append(Mismatch(MismatchKind.TICKET_DIFFERS, reservation_id, claim.ticket_number,
                                       claim.prize, line.amount))
    for reservation_id, line in sorted(in_file.items()):
        if reservation_id in ours:
            continue
        claim = others.get(reservation_id)
        kind = (MismatchKind.UNKNOWN_TO_BANK if claim is None or claim.entry_id is None
                else MismatchKind.WRONG_DAY if claim.state is ClaimState.CONFIRMED
                else MismatchKind.UNCONFIRMED_AT_BANK)
        mismatches.append(Mismatch(kind, reservation_id, line.ticket_number,
                                   claim.prize if claim is not None and claim.entry_id else None, line.amount))
    return SettlementReport(
        day=day, operator_count=len(in_file), operator_total=sum(line.amount for line in in_file.values()),
        bank_count=len(ours), bank_total=sum(c.prize for c in ours.values()), mismatches=tuple(mismatches),
    )
