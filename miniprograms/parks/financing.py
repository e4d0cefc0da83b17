"""Lease financing: a tenant's administrator applies (amount, term, purpose, documents); the
bank's credit officers decide from their own queue; each decision is recorded and the
applicant is told in the inbox. Approval here records the credit decision only: drawing the
money is the lending system's, not the park's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from audit import service as audit_log
from infra.i18n import Text, t, yuan
from ledger import service as ledger
from miniprograms.parks import access, errors, photos
from miniprograms.parks.estate import clean_photo, keep_photo, photos_of, text, whole
from miniprograms.parks.leasing import Tell
from miniprograms.parks.models import FinancingApplication, Lease
from miniprograms.parks.views import PhotoView
from miniprograms.parks.vocabulary import FinancingStatus, PhotoOwner

MAX_DOCUMENTS = 9
MAX_AMOUNT = 100_000_000_00  # fen: 100 million yuan
APPLYING_ROLES = frozenset({ledger.EnterpriseRole.ADMINISTRATOR})


@dataclass(frozen=True, slots=True)
class CreditOfficer:
    """A member of the bank's credit staff (the transport checked the role)."""

    user_id: int


@dataclass(frozen=True, slots=True)
class FinancingView:
    id: int
    lease_id: int
    enterprise_id: int
    amount: int
    months: int
    purpose: str
    status: FinancingStatus
    reason: str | None
    decided_at: datetime | None
    created_at: datetime
    documents: tuple[PhotoView, ...]


async def _view(row: FinancingApplication) -> FinancingView:
    documents = (await photos_of(owner_kind=PhotoOwner.FINANCING, owner_ids=[row.id]))[row.id]
    return FinancingView(row.id, row.lease_id, row.enterprise_id, row.amount, row.months, row.purpose, row.status,
                         row.reason, row.decided_at, row.created_at, tuple(documents))


async def apply(*, by_user_id: int, lease_id: int, amount: int, months: int, purpose: str, documents: list[bytes],
                limits: photos.PhotoLimits) -> FinancingView:
    lease = await Lease.get_or_none(id=lease_id)
    if lease is None:
        raise errors.NotFound("lease")
    await access.require_tenant_member(enterprise_id=lease.tenant_enterprise_id, user_id=by_user_id)
    await access.require_tenant_member(enterprise_id=lease.tenant_enterprise_id, user_id=by_user_id,
                                       roles=APPLYING_ROLES)
    amount = whole(amount, "amount", least=1, most=MAX_AMOUNT)
    months = whole(months, "months", least=1, most=120)
    purpose = text(purpose, "purpose", most=300)
    if len(documents) > MAX_DOCUMENTS:
        raise errors.TooManyPhotos(most=MAX_DOCUMENTS)
    cleaned = [await clean_photo(data, limits=limits) for data in documents]
    async with in_transaction():
        row = await FinancingApplication.create(lease_id=lease.id, enterprise_id=lease.tenant_enterprise_id,
                                                applicant_user_id=by_user_id, amount=amount, months=months,
                                                purpose=purpose)
        for clean in cleaned:
            await keep_photo(owner_kind=PhotoOwner.FINANCING, owner_id=row.id, clean=clean, by_user_id=by_user_id)
    return await _view(row)


async def queue(*, by: CreditOfficer, first: int = 50) -> list[FinancingView]:
    """Undecided applications, oldest first: the credit officers' review queue."""
    if not isinstance(by, CreditOfficer):
        raise TypeError("by is a CreditOfficer")
    rows = await FinancingApplication.filter(status=FinancingStatus.SUBMITTED).order_by("id").limit(first)
    return [await _view(r) for r in rows]


async def decide(*, by: CreditOfficer, application_id: int, approve: bool, reason: str, now: datetime,
                 tell: Tell) -> FinancingView:
    if not isinstance(by, CreditOfficer):
        raise TypeError("by is a CreditOfficer")
    reason = text(reason, "reason", most=300)
    async with in_transaction():
        row = await FinancingApplication.select_for_update().get_or_none(id=application_id)
        if row is None:
            raise errors.NotFound("financing")
        if row.status is not FinancingStatus.SUBMITTED:
            raise errors.WrongState(row.status.value)
        row.status = FinancingStatus.APPROVED if approve else FinancingStatus.REJECTED
        row.decided_by_user_id, row.reason, row.decided_at = by.user_id, reason, now
        await row.save(update_fields=["status", "decided_by_user_id", "reason", "decided_at"])
        await audit_log.record(actor=f"user:{by.user_id}", action=f"parks.financing_{row.status.value}",
                               subject=f"lease_financing:{row.id}",
                               detail={"amount": row.amount, "months": row.months, "reason": reason})
    outcome = Text("parks.financing_approved") if approve else Text("parks.financing_rejected")
    await tell(user_id=row.applicant_user_id, topic="parks.financing",
               title=t("parks.financing_decided_title", amount=yuan(row.amount), outcome=outcome), body=reason)
    return await _view(row)


async def applications_of(*, by_user_id: int, enterprise_id: int) -> list[FinancingView]:
    await access.require_tenant_member(enterprise_id=enterprise_id, user_id=by_user_id)
    return [await _view(r) for r in
            await FinancingApplication.filter(enterprise_id=enterprise_id).order_by("-id").limit(100)]
