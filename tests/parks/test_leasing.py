"""Listings searched by park, area, price, use and date with a cursor; enquiries and viewings
answered by the park's manager; a signed lease takes the unit off the listings and bills it."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone

import pytest

from ledger.service import EnterpriseRole, Operator, add_enterprise_member
from miniprograms.parks.service import (
    BillKind, EnquiryStatus, InvalidInput, NotFound, ParkRoleRequired, UnitNotAvailable, UnitSearch, ViewingStatus,
)
from openplatform.messages import inbox
from tests.parks.support import leased_unit, unit


async def _all_pages(parks, search: UnitSearch, first: int) -> list[str]:
    codes, after = [], None
    while True:
        page = await parks.search_units(search=search, first=first, after=after)
        codes += [u.code for u in page.units]
        if not page.has_next_page:
            return codes
        after = page.end_cursor


async def test_listings_are_searched_by_every_filter_a_page_at_a_time(runtime, world):
    parks = runtime.parks
    for code, area, use, rent, free in (
        ("A-101", "80", "office", 300, date(2026, 12, 1)), ("A-102", "150.25", "office", 500, date(2027, 3, 1)),
        ("A-103", "600", "plant", 120, date(2026, 12, 1)), ("A-104", "1200", "warehouse", 90, date(2027, 1, 1)),
        ("A-105", "45", "shop", 800, date(2026, 12, 15)), ("A-106", "220", "office", 420, date(2026, 12, 1)),
    ):
        await unit(runtime, world, code, area_m2=area, use=use, rent_fen_per_m2_day=rent, available_from=free)
    await parks.add_building(by_user_id=world.rival_manager, park_id=world.rival_park.id, name="1 号楼", floors=5)
    rival_building = (await parks.my_parks(user_id=world.rival_manager))[0]
    assert rival_building.id == world.rival_park.id

    everything = await _all_pages(parks, UnitSearch(), first=2)
    offices = await _all_pages(parks, UnitSearch(use="office", park_id=world.park.id), first=1)
    mid_sized = await _all_pages(parks, UnitSearch(area_min_m2=80, area_max_m2="220"), first=10)
    cheap = await _all_pages(parks, UnitSearch(rent_min=100, rent_max=420), first=10)
    by_new_year = await _all_pages(parks, UnitSearch(available_by=date(2026, 12, 31)), first=10)
    elsewhere = await _all_pages(parks, UnitSearch(park_id=world.rival_park.id), first=10)

    assert everything == ["A-101", "A-102", "A-103", "A-104", "A-105", "A-106"]
    assert offices == ["A-101", "A-102", "A-106"]
    assert mid_sized == ["A-101", "A-102", "A-106"]
    assert cheap == ["A-101", "A-103", "A-106"]
    assert by_new_year == ["A-101", "A-103", "A-105", "A-106"]
    assert elsewhere == []


@pytest.mark.parametrize(("args", "field"), [
    ({"first": 0}, "first"), ({"first": 51}, "first"), ({"after": "not-a-cursor"}, "after"),
    ({"after": "dW5pdDp4"}, "after"),  # "unit:x"
])
async def test_a_bad_page_request_is_refused(runtime, world, args, field):
    with pytest.raises(InvalidInput) as refused:
        await runtime.parks.search_units(search=UnitSearch(), **args)
    assert refused.value.field == field


async def test_an_enquiry_with_a_viewing_is_answered_by_the_parks_manager(runtime, world):
    listed = await unit(runtime, world)
    when = datetime.now(timezone.utc) + timedelta(days=3)

    asked = await runtime.parks.send_enquiry(by_user_id=world.tenant_staff, enterprise_id=world.tenant.id,
                                             unit_id=listed.id, message="想了解 A-1201 的物业费和停车位", viewing_at=when)
    seen_by_park = await runtime.parks.enquiries_for_park(by_user_id=world.manager, park_id=world.park.id)
    answered = await runtime.parks.answer_enquiry(by_user_id=world.manager, enquiry_id=asked.id,
                                                  reply="物业费 8 元/平方米/月，可预约周四下午看房", confirm_viewing=True)

    assert asked.viewing_status is ViewingStatus.REQUESTED and [e.id for e in seen_by_park] == [asked.id]
    assert (answered.status, answered.viewing_status) == (EnquiryStatus.ANSWERED, ViewingStatus.CONFIRMED)
    messages = await inbox(user_id=world.tenant_staff)
    assert [m.title for m in messages] == ["园区已回复您对 A-1201 的咨询"]
    assert messages[0].body == "物业费 8 元/平方米/月，可预约周四下午看房"
    mine = await runtime.parks.enquiries_of(by_user_id=world.tenant_admin, enterprise_id=world.tenant.id)
    assert [e.reply for e in mine] == [answered.reply]


async def test_enquiries_stay_between_the_enterprise_and_the_park(runtime, world):
    listed = await unit(runtime, world)
    asked = await runtime.parks.send_enquiry(by_user_id=world.tenant_admin, enterprise_id=world.tenant.id,
                                             unit_id=listed.id, message="还有空吗")

    with pytest.raises(NotFound):  # asking in the name of an enterprise one is not a member of
        await runtime.parks.send_enquiry(by_user_id=world.other_admin, enterprise_id=world.tenant.id,
                                         unit_id=listed.id, message="冒名咨询")
    with pytest.raises(NotFound):  # another park's manager
        await runtime.parks.answer_enquiry(by_user_id=world.rival_manager, enquiry_id=asked.id, reply="我来回答")
    with pytest.raises(ParkRoleRequired):  # the park's technician
        await runtime.parks.answer_enquiry(by_user_id=world.technician, enquiry_id=asked.id, reply="我来回答")
    with pytest.raises(NotFound):  # another tenant
        await runtime.parks.enquiries_of(by_user_id=world.other_admin, enterprise_id=world.tenant.id)
    with pytest.raises(NotFound):
        await runtime.parks.enquiries_for_park(by_user_id=world.rival_manager, park_id=world.park.id)
    with pytest.raises(InvalidInput) as past:
        await runtime.parks.send_enquiry(by_user_id=world.tenant_admin, enterprise_id=world.tenant.id,
                                         unit_id=listed.id, message="昨天能看吗",
                                         viewing_at=datetime.now(timezone.utc) - timedelta(days=1))
    assert past.value.field == "viewingAt"


async def test_a_signed_lease_records_its_parties_and_bills_deposit_and_each_month(runtime, world):
    listed, lease = await leased_unit(runtime, world, months=3, deposit=20_000_00)

    bills = await runtime.parks.bills_of(by_user_id=world.tenant_staff, enterprise_id=world.tenant.id)
    page = await runtime.parks.search_units(search=UnitSearch(park_id=world.park.id))

    assert (lease.landlord_enterprise_id, lease.tenant_enterprise_id, lease.unit_id) == (
        world.owner.id, world.tenant.id, listed.id)
    assert (lease.start, lease.months, lease.monthly_rent, lease.deposit) == (
        date(2026, 12, 1), 3, listed.monthly_rent_estimate, 20_000_00)
    assert [(b.kind, b.period, b.amount, b.due_date) for b in bills] == [
        (BillKind.DEPOSIT, "2026-12", 20_000_00, date(2026, 12, 1)),
        (BillKind.RENT, "2026-12", 1_707_750, date(2026, 12, 1)),
        (BillKind.RENT, "2027-01", 1_707_750, date(2027, 1, 1)),
        (BillKind.RENT, "2027-02", 1_707_750, date(2027, 2, 1)),
    ]
    assert page.units == ()  # leased: off the listings
    with pytest.raises(NotFound):
        await runtime.parks.bills_of(by_user_id=world.other_admin, enterprise_id=world.tenant.id)
    with pytest.raises(NotFound):
        await runtime.parks.bills_for_park(by_user_id=world.rival_manager, park_id=world.park.id)


async def test_one_unit_is_leased_once_however_many_sign_at_the_same_moment(runtime, world):
    listed = await unit(runtime, world)
    await add_enterprise_member(by=Operator(world.operator), enterprise_id=world.other_tenant.id,
                                user_id=world.tenant_admin, role=EnterpriseRole.ADMINISTRATOR)

    async def sign(tenant_id):
        return await runtime.parks.sign_lease(by_user_id=world.manager, unit_id=listed.id,
                                              tenant_enterprise_id=tenant_id, start=date(2026, 12, 1), months=12,
                                              monthly_rent=1_000_00, deposit=0)

    outcomes = await asyncio.gather(*(sign(t) for t in [world.tenant.id, world.other_tenant.id] * 4),
                                    return_exceptions=True)

    signed = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(signed) == 1
    assert all(isinstance(o, UnitNotAvailable) for o in outcomes if isinstance(o, Exception)), outcomes
    bills = await runtime.parks.bills_for_park(by_user_id=world.manager, park_id=world.park.id)
    assert len(bills) == 12 and {b.lease_id for b in bills} == {signed[0].id}
    with pytest.raises(NotFound):  # another park's manager cannot sign our unit
        await runtime.parks.sign_lease(by_user_id=world.rival_manager, unit_id=listed.id,
                                       tenant_enterprise_id=world.tenant.id, start=date(2026, 12, 1), months=1,
                                       monthly_rent=1, deposit=0)
