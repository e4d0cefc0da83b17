"""Disputes: a customer disputes a paid debit within the window (SEPA's eight weeks for an
authorised direct debit); an operator refunds it (the debit's entry reversed) or rejects it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from audit import service as audit_log
from infra.i18n import Text, yuan
from ledger import service as ledger
from miniprograms.etc.cards import SERVICE
from miniprograms.etc.errors import EtcErrorCode as Code, invalid, refused
from miniprograms.etc.models import EtcDebit, EtcDispute
from miniprograms.etc.vocabulary import DebitStatus, DisputeStatus

MAX_REASON = 200


@dataclass(frozen=True, slots=True)
class Dispute:
    id: int
    debit_id: int
    reason: str
    status: DisputeStatus
    note: str
    created_at: datetime
    resolved_at: datetime | None

    @classmethod
    def of(cls, row: EtcDispute) -> Dispute:
        return cls(row.id, row.debit_id, row.reason, row.status, row.note, row.created_at, row.resolved_at)


async def open_dispute(*, user_id: int, debit_id: int, reason: str, window_days: int) -> Dispute:
    reason = " ".join((reason or "").split()) if isinstance(reason, str) else ""
    if not 1 <= len(reason) <= MAX_REASON:
        raise invalid(Text("etc.reason_length", most=MAX_REASON), "reason")
    debit = await EtcDebit.get_or_none(id=debit_id, owner_user_id=user_id)
    if debit is None:
        raise refused(Code.DEBIT_NOT_FOUND)
    if debit.status is not DebitStatus.SUCCEEDED:
        raise refused(Code.NOT_DISPUTABLE)
    if datetime.now(timezone.utc) - debit.created_at > timedelta(days=window_days):
        raise refused(Code.DISPUTE_WINDOW_CLOSED, days=window_days)
    try:
        row = await EtcDispute.create(debit_id=debit.id, owner_user_id=user_id, reason=reason)
    except IntegrityError:
        raise refused(Code.ALREADY_DISPUTED) from None
    return Dispute.of(row)


async def disputes(*, status: DisputeStatus | None, first: int, user_id: int | None = None) -> list[Dispute]:
    query = EtcDispute.all()
    if status is not None:
        query = query.filter(status=status)
    if user_id is not None:
        query = query.filter(owner_user_id=user_id)
    return [Dispute.of(row) for row in await query.order_by("-id").limit(first)]


async def resolve(*, ledger_service: ledger.LedgerService, operator_user_id: int, dispute_id: int, refund: bool,
                  note: str, tell) -> Dispute:
    """Refund (the debit's ledger entry reversed, merchant -> customer) or reject, once."""
    note = " ".join((note or "").split()) if isinstance(note, str) else ""
    if len(note) > MAX_REASON:
        raise invalid(Text("etc.reason_length", most=MAX_REASON), "note")
    row = await EtcDispute.get_or_none(id=dispute_id)
    if row is None:
        raise refused(Code.DISPUTE_NOT_FOUND)
    if row.status is not DisputeStatus.OPEN:
        raise refused(Code.DISPUTE_RESOLVED)
    debit = await EtcDebit.get(id=row.debit_id).select_related("merchant")
    now = datetime.now(timezone.utc)
    status = DisputeStatus.REFUNDED if refund else DisputeStatus.REJECTED

    async def written(entry: ledger.PostedEntry | None) -> None:
        changed = await EtcDispute.filter(id=row.id, status=DisputeStatus.OPEN).update(
            status=status, note=note, resolved_by_user_id=operator_user_id, resolved_at=now,
            refund_entry_id=entry.id if entry is not None else None)
        if not changed:
            raise refused(Code.DISPUTE_RESOLVED)
        await audit_log.record(actor=f"user:{operator_user_id}", action=f"etc.dispute_{status.value}",
                               subject=f"etc_dispute:{row.id}",
                               detail={"debit": debit.id, "amount": debit.amount, "note": note})
        amount, merchant = yuan(debit.amount), debit.merchant.name
        if refund:
            title = Text("etc.notice_refunded_title", amount=amount)
            body = Text("etc.notice_refunded_body", merchant=merchant, amount=amount)
        else:
            title = Text("etc.notice_dispute_rejected_title", amount=amount)
            body = Text("etc.notice_dispute_rejected_body", merchant=merchant, amount=amount)
        await tell(user_id=row.owner_user_id, topic="etc.dispute", title=title.render("zh-CN"),
                   body=body.render("zh-CN"))

    if refund:
        try:
            await ledger_service.reverse_entry(
                by=ledger.InternalService(SERVICE), entry_id=debit.entry_id, idempotency_key=f"etc:dispute:{row.id}",
                memo=f"ETC refund {debit.merchant.name}"[:140], also_write=written,
            )
        except ledger.InsufficientFunds:
            raise refused(Code.MERCHANT_CANNOT_REFUND) from None
    else:
        async with in_transaction():
            await written(None)
    return Dispute.of(await EtcDispute.get(id=row.id))
