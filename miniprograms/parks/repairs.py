"""Repair tickets: a tenant's staff files one with photos; the park assigns a technician.

States: new -> assigned -> in_progress -> done -> confirmed | reopened (and reopened ->
assigned again). Every change is a ``TicketEvent`` with who and when, and the people
concerned hear of it in their inbox. The response-time target depends on the urgency;
a ticket not started by then is a breach.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from infra.i18n import Text, t
from miniprograms.parks import access, errors, photos
from miniprograms.parks.estate import clean_photo, keep_photo, photos_of, text, whole
from miniprograms.parks.leasing import Tell
from miniprograms.parks.models import Lease, Park, ParkStaff, RepairTicket, TicketEvent, Unit
from miniprograms.parks.views import PhotoView, TicketEventView, TicketView
from miniprograms.parks.vocabulary import ParkRole, PhotoOwner, RepairCategory, TicketStatus, Urgency

MAX_PHOTOS = 9
RESPONSE_TARGET = {
    Urgency.URGENT: timedelta(hours=2),
    Urgency.HIGH: timedelta(hours=8),
    Urgency.NORMAL: timedelta(hours=24),
    Urgency.LOW: timedelta(hours=72),
}
S = TicketStatus
# (from, to) -> who may make the change
_TENANT, _TECHNICIAN, _MANAGER = "tenant", "technician", "manager"
TRANSITIONS = {
    (S.NEW, S.ASSIGNED): _MANAGER,
    (S.REOPENED, S.ASSIGNED): _MANAGER,
    (S.ASSIGNED, S.ASSIGNED): _MANAGER,  # another technician
    (S.ASSIGNED, S.IN_PROGRESS): _TECHNICIAN,
    (S.IN_PROGRESS, S.DONE): _TECHNICIAN,
    (S.DONE, S.CONFIRMED): _TENANT,
    (S.DONE, S.REOPENED): _TENANT,
}


_UNKNOWN = {"category": Text("parks.category_unknown"), "urgency": Text("parks.urgency_unknown"),
            "status": Text("parks.status_unknown")}


def _enum(kind, value, field: str):
    try:
        return kind(value)
    except ValueError:
        raise errors.InvalidInput(_UNKNOWN[field], field=field) from None


async def file_ticket(*, by_user_id: int, unit_id: int, category: RepairCategory | str, urgency: Urgency | str,
                      description: str, photo_uploads: list[bytes], now: datetime, limits: photos.PhotoLimits,
                      tell: Tell) -> TicketView:
    """A member of the enterprise leasing the unit reports a fault, with up to nine photos."""
    unit = await Unit.get_or_none(id=unit_id)
    if unit is None:
        raise errors.NotFound("unit")
    lease = await Lease.filter(unit_id=unit.id).order_by("-id").first()
    if lease is None:
        raise errors.NotFound("unit")
    await access.require_tenant_member(enterprise_id=lease.tenant_enterprise_id, user_id=by_user_id)
    category, urgency = _enum(RepairCategory, category, "category"), _enum(Urgency, urgency, "urgency")
    description = text(description, "description", most=1000)
    if len(photo_uploads) > MAX_PHOTOS:
        raise errors.TooManyPhotos(most=MAX_PHOTOS)
    cleaned = [await clean_photo(data, limits=limits) for data in photo_uploads]  # all checked before any is kept
    async with in_transaction():
        row = await RepairTicket.create(
            park_id=unit.park_id, unit_id=unit.id, enterprise_id=lease.tenant_enterprise_id, filed_by_user_id=by_user_id,
            category=category, urgency=urgency, description=description, respond_by=now + RESPONSE_TARGET[urgency],
            created_at=now)
        await TicketEvent.create(ticket_id=row.id, from_status=None, to_status=S.NEW, by_user_id=by_user_id)
        for clean in cleaned:
            await keep_photo(owner_kind=PhotoOwner.TICKET, owner_id=row.id, clean=clean, by_user_id=by_user_id)
    for manager in await _managers(unit.park_id):
        await tell(user_id=manager, topic="parks.repair", title=t("parks.ticket_new_title", unit=unit.code),
                   body=description[:200])
    return TicketView.of(row)


async def _managers(park_id: int) -> list[int]:
    return sorted(set(await ParkStaff.filter(park_id=park_id, role=ParkRole.MANAGER).values_list("user_id", flat=True)))


async def visible_ticket(*, by_user_id: int, ticket_id: int) -> tuple[RepairTicket, str]:
    """The ticket and how the user sees it (tenant, technician, manager); NotFound otherwise."""
    row = await RepairTicket.get_or_none(id=ticket_id)
    if row is None:
        raise errors.NotFound("ticket")
    park = await Park.get(id=row.park_id)
    roles = await access.park_roles(park=park, user_id=by_user_id)
    if ParkRole.MANAGER in roles:
        return row, _MANAGER
    if ParkRole.TECHNICIAN in roles:
        return row, _TECHNICIAN
    try:
        await access.require_tenant_member(enterprise_id=row.enterprise_id, user_id=by_user_id)
    except errors.NotFound:
        raise errors.NotFound("ticket") from None
    return row, _TENANT


async def _change(*, by_user_id: int, ticket_id: int, to: TicketStatus, now: datetime, tell: Tell, note: str = "",
                  technician_user_id: int | None = None) -> TicketView:
    row, seen_as = await visible_ticket(by_user_id=by_user_id, ticket_id=ticket_id)
    async with in_transaction():
        row = await RepairTicket.select_for_update().get(id=row.id)
        needed = TRANSITIONS.get((row.status, to))
        if needed is None:
            raise errors.WrongState(row.status.value)
        if needed != seen_as:
            raise errors.ParkRoleRequired(needed) if needed != _TENANT else errors.TenantRoleRequired()
        if needed == _TECHNICIAN and row.technician_user_id != by_user_id:
            raise errors.ParkRoleRequired(_TECHNICIAN)  # assigned to another technician
        before = row.status
        row.status = to
        if technician_user_id is not None:
            row.technician_user_id = technician_user_id
        if to is S.IN_PROGRESS and row.responded_at is None:
            row.responded_at = now
        await row.save()
        await TicketEvent.create(ticket_id=row.id, from_status=before, to_status=to, by_user_id=by_user_id,
                                 note=note[:300], at=now)
    title = t("parks.ticket_changed_title", id=row.id, state=errors.STATE_NAMES[to.value])
    for user_id in {row.filed_by_user_id, *([row.technician_user_id] if row.technician_user_id else [])} - {by_user_id}:
        await tell(user_id=user_id, topic="parks.repair", title=title, body=note or row.description[:200])
    return TicketView.of(row)


async def assign_ticket(*, by_user_id: int, ticket_id: int, technician_user_id: int, now: datetime,
                        tell: Tell) -> TicketView:
    row, _ = await visible_ticket(by_user_id=by_user_id, ticket_id=ticket_id)
    if not await ParkStaff.exists(park_id=row.park_id, user_id=technician_user_id, role=ParkRole.TECHNICIAN):
        raise errors.InvalidInput(Text("parks.not_a_technician"), field="technicianUserId")
    return await _change(by_user_id=by_user_id, ticket_id=ticket_id, to=S.ASSIGNED, now=now, tell=tell,
                         technician_user_id=technician_user_id)


async def move_ticket(*, by_user_id: int, ticket_id: int, to: TicketStatus | str, note: str, now: datetime,
                      tell: Tell) -> TicketView:
    """Start, finish, confirm or reopen (assigning has its own call)."""
    to = _enum(TicketStatus, to, "status")
    if to is S.ASSIGNED:
        raise errors.InvalidInput(Text("parks.assign_with_technician"), field="status")
    if to is S.REOPENED:
        note = text(note, "note", most=300)
    return await _change(by_user_id=by_user_id, ticket_id=ticket_id, to=to, note=note or "", now=now, tell=tell)


async def rate_ticket(*, by_user_id: int, ticket_id: int, rating: int, comment: str = "") -> TicketView:
    row, seen_as = await visible_ticket(by_user_id=by_user_id, ticket_id=ticket_id)
    if seen_as != _TENANT:
        raise errors.TenantRoleRequired()
    if row.status not in (S.DONE, S.CONFIRMED):
        raise errors.WrongState(row.status.value)
    row.rating = whole(rating, "rating", least=1, most=5)
    row.rating_comment = (comment or "").strip()[:300] or None
    await row.save(update_fields=["rating", "rating_comment"])
    return TicketView.of(row)


async def tickets_of(*, by_user_id: int, enterprise_id: int) -> list[TicketView]:
    await access.require_tenant_member(enterprise_id=enterprise_id, user_id=by_user_id)
    return [TicketView.of(r) for r in await RepairTicket.filter(enterprise_id=enterprise_id).order_by("-id").limit(200)]


async def tickets_for_park(*, by_user_id: int, park_id: int) -> list[TicketView]:
    park = await Park.get_or_none(id=park_id)
    if park is None:
        raise errors.NotFound("park")
    roles = await access.park_roles(park=park, user_id=by_user_id)
    query = RepairTicket.filter(park_id=park_id)
    if ParkRole.MANAGER not in roles:
        if ParkRole.TECHNICIAN not in roles:
            raise errors.NotFound("park")
        query = query.filter(technician_user_id=by_user_id)  # a technician sees their own work
    return [TicketView.of(r) for r in await query.order_by("-id").limit(200)]


async def breaches(*, by_user_id: int, park_id: int, now: datetime) -> list[TicketView]:
    """Tickets not started within their urgency's response target (late starts included)."""
    await access.require_park_role(park_id=park_id, user_id=by_user_id, role=ParkRole.MANAGER)
    rows = await RepairTicket.filter(park_id=park_id).order_by("respond_by", "id").limit(1000)
    return [TicketView.of(r) for r in rows
            if (r.responded_at is None and now > r.respond_by) or (r.responded_at and r.responded_at > r.respond_by)]


async def ticket_history(*, by_user_id: int, ticket_id: int) -> list[TicketEventView]:
    row, _ = await visible_ticket(by_user_id=by_user_id, ticket_id=ticket_id)
    return [TicketEventView(e.from_status, e.to_status, e.by_user_id, e.note, e.at)
            for e in await TicketEvent.filter(ticket_id=row.id).order_by("id")]


async def ticket_photos(*, ticket_ids: list[int]) -> dict[int, list[PhotoView]]:
    return await photos_of(owner_kind=PhotoOwner.TICKET, owner_ids=ticket_ids)
