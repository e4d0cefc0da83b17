"""Enquiries and viewings, signed leases, and their bills paid through the ledger."""

from __future__ import annotations

import calendar
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timezone

from tortoise.transactions import in_transaction

from infra.i18n import Text, t, yuan
from ledger import service as ledger
from miniprograms.parks import access, errors
from miniprograms.parks.estate import text, whole
from miniprograms.parks.models import Bill, Enquiry, Lease, Park, Unit
from miniprograms.parks.views import BillView, EnquiryView, LeaseView, Receipt
from miniprograms.parks.vocabulary import (
    BillKind, BillStatus, EnquiryStatus, ParkRole, UnitStatus, ViewingStatus,
)

Tell = Callable[..., Awaitable[object]]  # tell(user_id=, topic=, title=, body=): the inbox
RENT_SERVICE = ledger.InternalService("parks.rent")
MAX_MONTHS = 120


async def send_enquiry(*, by_user_id: int, enterprise_id: int, unit_id: int, message: str,
                       viewing_at: datetime | None = None, now: datetime, tell: Tell) -> EnquiryView:
    """An enterprise's member asks about a unit on offer, and may ask to view it at a time."""
    await access.require_tenant_member(enterprise_id=enterprise_id, user_id=by_user_id)
    unit = await Unit.get_or_none(id=unit_id)
    if unit is None or unit.status is not UnitStatus.AVAILABLE:
        raise errors.NotFound("unit")
    if viewing_at is not None and (viewing_at.tzinfo is None or viewing_at <= now):
        raise errors.InvalidInput(Text("parks.viewing_in_future"), field="viewingAt")
    row = await Enquiry.create(
        unit_id=unit.id, park_id=unit.park_id, enterprise_id=enterprise_id, asked_by_user_id=by_user_id,
        message=text(message, "message", most=500), viewing_at=viewing_at,
        viewing_status=ViewingStatus.REQUESTED if viewing_at else ViewingStatus.NONE,
    )
    return EnquiryView.of(row)


async def answer_enquiry(*, by_user_id: int, enquiry_id: int, reply: str, confirm_viewing: bool | None,
                         now: datetime, tell: Tell) -> EnquiryView:
    """The park's manager replies, and confirms or declines a requested viewing."""
    row = await Enquiry.get_or_none(id=enquiry_id)
    if row is None:
        raise errors.NotFound("enquiry")
    await access.require_park_role(park_id=row.park_id, user_id=by_user_id, role=ParkRole.MANAGER)
    row.reply = text(reply, "reply", most=500)
    row.status = EnquiryStatus.ANSWERED
    row.answered_by_user_id, row.answered_at = by_user_id, now
    if row.viewing_status is ViewingStatus.REQUESTED and confirm_viewing is not None:
        row.viewing_status = ViewingStatus.CONFIRMED if confirm_viewing else ViewingStatus.DECLINED
    await row.save()
    unit = await Unit.get(id=row.unit_id)
    await tell(user_id=row.asked_by_user_id, topic="parks.enquiry",
               title=t("parks.enquiry_answered_title", unit=unit.code), body=row.reply)
    return EnquiryView.of(row)


async def enquiries_for_park(*, by_user_id: int, park_id: int) -> list[EnquiryView]:
    await access.require_park_role(park_id=park_id, user_id=by_user_id, role=ParkRole.MANAGER)
    return [EnquiryView.of(r) for r in await Enquiry.filter(park_id=park_id).order_by("-id").limit(100)]


async def enquiries_of(*, by_user_id: int, enterprise_id: int) -> list[EnquiryView]:
    await access.require_tenant_member(enterprise_id=enterprise_id, user_id=by_user_id)
    return [EnquiryView.of(r) for r in await Enquiry.filter(enterprise_id=enterprise_id).order_by("-id").limit(100)]


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


async def sign_lease(*, by_user_id: int, unit_id: int, tenant_enterprise_id: int, start: date, months: int,
                     monthly_rent: int, deposit: int) -> LeaseView:
    """Record the signed lease and its bills: the deposit and each month's rent, due on the
    lease's day of each month. The unit is taken off the listings."""
    unit = await Unit.get_or_none(id=unit_id)
    if unit is None:
        raise errors.NotFound("unit")
    park = await access.require_park_role(park_id=unit.park_id, user_id=by_user_id, role=ParkRole.MANAGER)
    try:
        await ledger.get_enterprise(enterprise_id=tenant_enterprise_id)
    except ledger.EnterpriseNotFound:
        raise errors.NotFound("enterprise") from None
    if tenant_enterprise_id == park.operator_enterprise_id:
        raise errors.InvalidInput(Text("parks.tenant_is_landlord"), field="tenantEnterpriseId")
    if not isinstance(start, date):
        raise errors.InvalidInput(Text("parks.date"), field="start")
    months = whole(months, "months", least=1, most=MAX_MONTHS)
    monthly_rent = whole(monthly_rent, "monthlyRent", least=1, most=10**12)
    deposit = whole(deposit, "deposit", least=0, most=10**12)
    async with in_transaction():
        locked = await Unit.select_for_update().get(id=unit.id)
        if locked.status is not UnitStatus.AVAILABLE:
            raise errors.UnitNotAvailable()
        locked.status = UnitStatus.LEASED
        await locked.save(update_fields=["status"])
        lease = await Lease.create(unit_id=unit.id, park_id=park.id, landlord_enterprise_id=park.operator_enterprise_id,
                                   tenant_enterprise_id=tenant_enterprise_id, start=start, months=months,
                                   monthly_rent=monthly_rent, deposit=deposit, signed_by_user_id=by_user_id)
        bills = [Bill(lease_id=lease.id, park_id=park.id, tenant_enterprise_id=tenant_enterprise_id,
                      kind=BillKind.RENT, period=add_months(start, i).strftime("%Y-%m"), amount=monthly_rent,
                      due_date=add_months(start, i)) for i in range(months)]
        if deposit:
            bills.insert(0, Bill(lease_id=lease.id, park_id=park.id, tenant_enterprise_id=tenant_enterprise_id,
                                 kind=BillKind.DEPOSIT, period=start.strftime("%Y-%m"), amount=deposit, due_date=start))
        await Bill.bulk_create(bills)
    return LeaseView.of(lease)


async def leases_of(*, by_user_id: int, enterprise_id: int) -> list[LeaseView]:
    await access.require_tenant_member(enterprise_id=enterprise_id, user_id=by_user_id)
    return [LeaseView.of(r) for r in await Lease.filter(tenant_enterprise_id=enterprise_id).order_by("id")]


async def bills_of(*, by_user_id: int, enterprise_id: int) -> list[BillView]:
    """A tenant's bills, due first."""
    await access.require_tenant_member(enterprise_id=enterprise_id, user_id=by_user_id)
    rows = await Bill.filter(tenant_enterprise_id=enterprise_id).order_by("due_date", "id").limit(500)
    return [BillView.of(r) for r in rows]


async def bills_for_park(*, by_user_id: int, park_id: int, late_only: bool = False) -> list[BillView]:
    await access.require_park_role(park_id=park_id, user_id=by_user_id, role=ParkRole.MANAGER)
    query = Bill.filter(park_id=park_id)
    if late_only:
        query = query.filter(late_since__not_isnull=True, status=BillStatus.UNPAID)
    return [BillView.of(r) for r in await query.order_by("due_date", "id").limit(500)]


def bill_key(bill_id: int) -> str:
    """The ledger's idempotency key: one bill is paid by one entry, however often it is asked."""
    return f"parks:bill:{bill_id}"


async def pay_bill(*, by: ledger.Customer, bill_id: int, ledger_service: ledger.LedgerService, tell: Tell) -> Receipt:
    """Pay one bill from the tenant's enterprise account to the park operator's, by a member
    who approves its money (administrator or checker) with their payment PIN typed for it.
    Paying a paid bill again returns its receipt and moves nothing."""
    bill = await Bill.get_or_none(id=bill_id)
    if bill is None:
        raise errors.NotFound("bill")
    await access.require_tenant_member(enterprise_id=bill.tenant_enterprise_id, user_id=by.user_id)
    await access.require_tenant_member(enterprise_id=bill.tenant_enterprise_id, user_id=by.user_id,
                                       roles=access.PAYING_ROLES)
    lease = await Lease.get(id=bill.lease_id)
    tenant = await ledger.get_enterprise(enterprise_id=bill.tenant_enterprise_id)
    landlord = await ledger.get_enterprise(enterprise_id=lease.landlord_enterprise_id)
    if bill.status is BillStatus.PAID:
        return _receipt(bill, tenant, landlord, replayed=True)
    if by.pin is None:
        raise errors.PaymentRefused("STEP_UP_REQUIRED", Text("parks.pin_needed"))
    try:
        await ledger_service.pins.verify(user_id=by.user_id, session_id=by.session_id, pin=by.pin)
    except ledger.LedgerError as exc:
        raise errors.PaymentRefused(_reason(exc), exc) from None
    park = await Park.get(id=bill.park_id)

    async def mark_paid(entry: ledger.PostedEntry) -> None:
        # In the ledger's transaction: the bill is paid exactly when the money moved.
        await Bill.filter(id=bill.id, status=BillStatus.UNPAID).update(
            status=BillStatus.PAID, entry_id=entry.id, paid_by_user_id=by.user_id, paid_at=entry.created_at)
        await tell(user_id=by.user_id, topic="parks.bill",
                   title=t("parks.bill_paid_title", amount=yuan(bill.amount)),
                   body=t("parks.bill_paid_body", park=park.name, period=bill.period, amount=yuan(bill.amount)))

    try:
        entry = await ledger_service.transfer(
            by=RENT_SERVICE, from_account_id=tenant.account_id, to_account_id=landlord.account_id,
            amount=bill.amount, idempotency_key=bill_key(bill.id), kind=ledger.EntryKind.PAYMENT,
            memo=f"{park.name} {bill.period} {'押金' if bill.kind is BillKind.DEPOSIT else '租金'}"[:140],
            also_write=mark_paid,
        )
    except ledger.LedgerError as exc:
        raise errors.PaymentRefused(_reason(exc), exc) from None
    paid = await Bill.get(id=bill.id)
    return _receipt(paid, tenant, landlord, replayed=entry.replayed)


def _reason(exc: Exception) -> str:
    code = getattr(exc, "code", None)
    if code is not None:
        return str(getattr(code, "value", code))
    name = type(exc).__name__
    return "".join(f"_{c}" if c.isupper() else c.upper() for c in name).lstrip("_")


def _receipt(bill: Bill, tenant: ledger.Enterprise, landlord: ledger.Enterprise, *, replayed: bool) -> Receipt:
    assert bill.entry_id is not None and bill.paid_at is not None
    return Receipt(bill=BillView.of(bill), entry_id=bill.entry_id, amount=bill.amount, paid_at=bill.paid_at,
                   payer_name=tenant.name, payer_account_number=_masked(tenant.account_number),
                   payee_name=landlord.name, payee_account_number=_masked(landlord.account_number), replayed=replayed)


def _masked(number: str) -> str:
    return f"{number[:4]}****{number[-4:]}" if len(number) > 8 else "****"


async def receipt(*, by_user_id: int, bill_id: int) -> Receipt:
    bill = await Bill.get_or_none(id=bill_id)
    if bill is None:
        raise errors.NotFound("bill")
    await access.require_tenant_member(enterprise_id=bill.tenant_enterprise_id, user_id=by_user_id)
    if bill.status is not BillStatus.PAID:
        raise errors.WrongState(bill.status.value)
    lease = await Lease.get(id=bill.lease_id)
    return _receipt(bill, await ledger.get_enterprise(enterprise_id=bill.tenant_enterprise_id),
                    await ledger.get_enterprise(enterprise_id=lease.landlord_enterprise_id), replayed=True)


async def flag_late_bills(*, today: date, now: datetime, tell: Tell) -> int:
    """Mark every unpaid bill past its due date as late and remind the tenant's paying members
    through the inbox, once per bill; returns how many were reminded now."""
    reminded = 0
    due = await Bill.filter(status=BillStatus.UNPAID, due_date__lt=today, reminded_at__isnull=True).order_by("id")
    for bill in due:
        async with in_transaction():
            claimed = await Bill.filter(id=bill.id, reminded_at__isnull=True, status=BillStatus.UNPAID).update(
                late_since=today, reminded_at=now)
            if not claimed:  # reminded by another run at the same moment, or paid meanwhile
                continue
            park = await Park.get(id=bill.park_id)
            members = await ledger.enterprise_members(by=ledger.Operator(0), enterprise_id=bill.tenant_enterprise_id)
            for user_id in sorted({m.user_id for m in members if m.role in access.PAYING_ROLES}):
                await tell(user_id=user_id, topic="parks.bill",
                           title=t("parks.bill_late_title", period=bill.period),
                           body=t("parks.bill_late_body", park=park.name, period=bill.period, amount=yuan(bill.amount),
                                  due=bill.due_date.isoformat()))
            reminded += 1
    return reminded


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
