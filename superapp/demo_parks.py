"""Demo data for 智慧园区 (miniprograms/parks): a park operator with one park, a tenant, units.

Demo customer 13800000002 administers the operator (so manages its park) and 13800000001
the tenant, which leases one unit and holds money to pay its bills. Idempotent, like the
rest of the seed: every step looks for what an earlier run made.
"""

from __future__ import annotations

from datetime import date

from superapp.runtime import AppRuntime
from identity.models import User
from ledger.service import (
    AccountKind, EnterpriseRole, EntryKind, InternalService, MerchantCategory, Operator, add_enterprise_member,
    open_account, open_enterprise,
)
from miniprograms.parks.service import InvalidInput, UnitSearch

OPERATOR_CODE, TENANT_CODE = "91440300MA5F00001A", "91440300MA5F00002D"  # GB 32100 check characters valid
TENANT_FUNDS = 100_000_00  # fen
UNITS = (  # code, floor, m², use, fen per m² per day
    ("A-1201", 12, "126.50", "office", 450), ("A-1202", 12, "88.00", "office", 480),
    ("A-0301", 3, "320.00", "shop", 900), ("B-0101", 1, "1500.00", "plant", 120),
    ("C-0101", 1, "2200.00", "warehouse", 85),
)


async def seed_parks(runtime: AppRuntime, *, operator_user: User, manager_user: User, tenant_user: User) -> str:
    """The demo park, its units and a lease with bills; returns a line for the seed's output."""
    parks, operator = runtime.parks, Operator(operator_user.id)
    owner = await open_enterprise(by=operator, name="深圳湾科技园运营有限公司", credit_code=OPERATOR_CODE,
                                  merchant_category=MerchantCategory.PARK_OPERATOR)
    tenant = await open_enterprise(by=operator, name="深圳市云帆电子有限公司", credit_code=TENANT_CODE)
    await add_enterprise_member(by=operator, enterprise_id=owner.id, user_id=manager_user.id,
                                role=EnterpriseRole.ADMINISTRATOR)
    await add_enterprise_member(by=operator, enterprise_id=tenant.id, user_id=tenant_user.id,
                                role=EnterpriseRole.ADMINISTRATOR)
    park = next((p for p in await parks.my_parks(user_id=manager_user.id) if p.name == "深圳湾科技园"), None)
    if park is None:
        park = await parks.create_park(by_user_id=manager_user.id, operator_enterprise_id=owner.id,
                                       name="深圳湾科技园", city="深圳", address="南山区科苑南路 3099 号")
    await parks.appoint_staff(by_user_id=manager_user.id, park_id=park.id, user_id=manager_user.id, role="manager")
    buildings = {}
    for name in ("A 栋", "B 栋", "C 栋"):
        try:
            buildings[name[0]] = (await parks.add_building(by_user_id=manager_user.id, park_id=park.id, name=name,
                                                           floors=20)).id
        except InvalidInput:  # made by an earlier run
            buildings[name[0]] = None
    units = {}
    for code, floor, area, use, rent in UNITS:
        building = buildings[code[0]]
        if building is None:
            continue
        units[code] = await parks.add_unit(by_user_id=manager_user.id, building_id=building, code=code, floor=floor,
                                           area_m2=area, use=use, rent_fen_per_m2_day=rent,
                                           available_from=date(2026, 12, 1))
    if "A-1201" in units:  # first run: the tenant leases it and gets the money to pay
        leased = units["A-1201"]
        await parks.sign_lease(by_user_id=manager_user.id, unit_id=leased.id, tenant_enterprise_id=tenant.id,
                               start=date(2026, 12, 1), months=12, monthly_rent=leased.monthly_rent_estimate,
                               deposit=2 * leased.monthly_rent_estimate)
        funding = await open_account(owner_user_id=None, kind=AccountKind.SETTLEMENT, name="Demo funding",
                                     idempotency_key="demo:funding")
        await runtime.ledger.transfer(by=InternalService("demo-seed"), kind=EntryKind.DEPOSIT,
                                      from_account_id=funding.id, to_account_id=tenant.account_id,
                                      amount=TENANT_FUNDS, idempotency_key="demo:parks-tenant-funds")
    # Also the listings' hand-written SQL on the embedded mode's SQLite (the demo walk runs this).
    offices = await parks.search_units(search=UnitSearch(park_id=park.id, use="office", available_by=date(2027, 1, 1)))
    return (f"demo park {park.name}: {len(UNITS)} units, {tenant.name} leases A-1201; "
            f"offices on offer: {', '.join(u.code for u in offices.units)}")
