"""Repair tickets: filed by the tenant's staff with up to nine photos, assigned by the park,
every change audited with who and when, breaches of the response target listed, rated."""

from __future__ import annotations

from datetime import timedelta

import pytest

from miniprograms.parks.service import (
    InvalidInput, NotFound, ParkRoleRequired, TenantRoleRequired, TicketStatus, TooManyPhotos, Urgency, WrongState,
)
from openplatform.messages import inbox
from tests.parks.photos import png, sideways_photo_with_gps
from tests.parks.support import leased_unit

S = TicketStatus


async def _ticket(runtime, world, urgency="normal", photos=()):
    listed, _ = await leased_unit(runtime, world)
    ticket = await runtime.parks.file_ticket(by_user_id=world.tenant_staff, unit_id=listed.id, category="plumbing",
                                             urgency=urgency, description="卫生间水管漏水", photos=list(photos))
    return listed, ticket


async def test_a_ticket_goes_from_filed_to_confirmed_and_every_step_is_audited(runtime, world):
    parks = runtime.parks
    _, ticket = await _ticket(runtime, world, photos=[sideways_photo_with_gps(), png()])

    await parks.assign_ticket(by_user_id=world.manager, ticket_id=ticket.id, technician_user_id=world.technician)
    await parks.move_ticket(by_user_id=world.technician, ticket_id=ticket.id, to="in_progress")
    await parks.move_ticket(by_user_id=world.technician, ticket_id=ticket.id, to="done", note="已更换水管接头")
    done = await parks.move_ticket(by_user_id=world.tenant_staff, ticket_id=ticket.id, to="confirmed")
    rated = await parks.rate_ticket(by_user_id=world.tenant_admin, ticket_id=ticket.id, rating=5, comment="很快")

    assert (done.status, rated.rating, ticket.urgency) == (S.CONFIRMED, 5, Urgency.NORMAL)
    history = await parks.ticket_history(by_user_id=world.tenant_admin, ticket_id=ticket.id)
    assert [(e.from_status, e.to_status, e.by_user_id) for e in history] == [
        (None, S.NEW, world.tenant_staff), (S.NEW, S.ASSIGNED, world.manager),
        (S.ASSIGNED, S.IN_PROGRESS, world.technician), (S.IN_PROGRESS, S.DONE, world.technician),
        (S.DONE, S.CONFIRMED, world.tenant_staff),
    ]
    assert all(e.at is not None for e in history) and history[3].note == "已更换水管接头"
    photos = (await parks.ticket_photos(ticket_ids=[ticket.id]))[ticket.id]
    assert len(photos) == 2 and all({r.name for r in p.renditions} == {"1x", "2x", "3x", "thumb"} for p in photos)
    told = [m.title for m in await inbox(user_id=world.tenant_staff)]
    assert f"报修单 {ticket.id}：已完工" in told and f"报修单 {ticket.id}：已派单" in told
    assert [m.title for m in await inbox(user_id=world.manager)] == ["A-1201 有新的报修"]
    assert f"报修单 {ticket.id}：已派单" in [m.title for m in await inbox(user_id=world.technician)]


async def test_a_reopened_ticket_is_assigned_again(runtime, world):
    parks = runtime.parks
    _, ticket = await _ticket(runtime, world)
    await parks.assign_ticket(by_user_id=world.manager, ticket_id=ticket.id, technician_user_id=world.technician)
    await parks.move_ticket(by_user_id=world.technician, ticket_id=ticket.id, to="in_progress")
    await parks.move_ticket(by_user_id=world.technician, ticket_id=ticket.id, to="done")

    with pytest.raises(InvalidInput):  # reopening says why
        await parks.move_ticket(by_user_id=world.tenant_staff, ticket_id=ticket.id, to="reopened")
    reopened = await parks.move_ticket(by_user_id=world.tenant_staff, ticket_id=ticket.id, to="reopened",
                                       note="还在漏")
    again = await parks.assign_ticket(by_user_id=world.manager, ticket_id=ticket.id,
                                      technician_user_id=world.technician)

    assert (reopened.status, again.status) == (S.REOPENED, S.ASSIGNED)


async def test_steps_out_of_order_or_by_the_wrong_person_are_refused(runtime, world):
    parks = runtime.parks
    _, ticket = await _ticket(runtime, world)

    with pytest.raises(WrongState):  # not assigned yet
        await parks.move_ticket(by_user_id=world.technician, ticket_id=ticket.id, to="in_progress")
    with pytest.raises(NotFound):  # another park's manager
        await parks.assign_ticket(by_user_id=world.rival_manager, ticket_id=ticket.id,
                                  technician_user_id=world.technician)
    with pytest.raises(NotFound):  # another tenant
        await parks.ticket(by_user_id=world.other_admin, ticket_id=ticket.id)
    with pytest.raises(InvalidInput):  # not a technician of this park
        await parks.assign_ticket(by_user_id=world.manager, ticket_id=ticket.id, technician_user_id=world.tenant_admin)
    await parks.assign_ticket(by_user_id=world.manager, ticket_id=ticket.id, technician_user_id=world.technician)
    with pytest.raises(ParkRoleRequired):  # the tenant cannot start the work
        await parks.move_ticket(by_user_id=world.tenant_staff, ticket_id=ticket.id, to="in_progress")
    with pytest.raises(WrongState):  # nor confirm what is not done
        await parks.move_ticket(by_user_id=world.tenant_staff, ticket_id=ticket.id, to="confirmed")
    with pytest.raises(WrongState):  # nor rate it
        await parks.rate_ticket(by_user_id=world.tenant_staff, ticket_id=ticket.id, rating=4)
    with pytest.raises(TenantRoleRequired):  # the manager does not rate
        await parks.rate_ticket(by_user_id=world.manager, ticket_id=ticket.id, rating=4)
    assert [t.id for t in await parks.tickets_of(by_user_id=world.tenant_admin, enterprise_id=world.tenant.id)] == [
        ticket.id]
    assert [t.id for t in await parks.tickets_for_park(by_user_id=world.technician, park_id=world.park.id)] == [
        ticket.id]
    with pytest.raises(NotFound):
        await parks.tickets_for_park(by_user_id=world.rival_manager, park_id=world.park.id)
    with pytest.raises(NotFound):
        await parks.tickets_of(by_user_id=world.other_admin, enterprise_id=world.tenant.id)


async def test_only_the_units_tenant_files_and_at_most_nine_photos(runtime, world):
    listed, _ = await leased_unit(runtime, world)

    with pytest.raises(NotFound):
        await runtime.parks.file_ticket(by_user_id=world.other_admin, unit_id=listed.id, category="electrical",
                                        urgency="high", description="跳闸")
    with pytest.raises(TooManyPhotos):
        await runtime.parks.file_ticket(by_user_id=world.tenant_staff, unit_id=listed.id, category="electrical",
                                        urgency="high", description="跳闸", photos=[png()] * 10)
    with pytest.raises(InvalidInput) as unknown:
        await runtime.parks.file_ticket(by_user_id=world.tenant_staff, unit_id=listed.id, category="magic",
                                        urgency="high", description="跳闸")
    assert unknown.value.field == "category"
    assert await runtime.parks.tickets_of(by_user_id=world.tenant_admin, enterprise_id=world.tenant.id) == []


async def test_tickets_not_started_within_their_urgencys_target_are_breaches(runtime, world):
    parks = runtime.parks
    _, urgent = await _ticket(runtime, world, urgency="urgent")
    low = await parks.file_ticket(by_user_id=world.tenant_staff, unit_id=urgent.unit_id, category="network",
                                  urgency="low", description="网络慢")
    three_hours_on = urgent.created_at + timedelta(hours=3)

    on_time = await parks.breaches(by_user_id=world.manager, park_id=world.park.id, now=urgent.created_at)
    late = await parks.breaches(by_user_id=world.manager, park_id=world.park.id, now=three_hours_on)

    assert on_time == [] and [t.id for t in late] == [urgent.id]
    assert urgent.respond_by - urgent.created_at == timedelta(hours=2)
    assert low.respond_by - low.created_at == timedelta(hours=72)
    with pytest.raises(NotFound):
        await parks.breaches(by_user_id=world.rival_manager, park_id=world.park.id)
