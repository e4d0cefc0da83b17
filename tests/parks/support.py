"""A small world of parks for the tests: two operators with a park each, two tenants.

Built through the services' public calls, as an operator and the enterprises' people would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ledger.credit_code import check_character
from ledger.service import (
    AccountKind, EnterpriseRole, InternalService, MerchantCategory, Operator, add_enterprise_member, open_account,
    open_enterprise,
)

FUNDING = InternalService("tests: money arriving for an enterprise")


def credit_code(n: int) -> str:
    first17 = f"9144030{n:010d}"
    return first17 + check_character(first17)


@dataclass
class World:
    operator: int  # the bank's operations staff member
    owner: object  # the first park operator enterprise
    owner_admin: int
    park: object
    manager: int
    technician: int
    building: object
    rival: object  # a second park operator with its own park and manager
    rival_park: object
    rival_manager: int
    tenant: object
    tenant_admin: int  # pays bills (administrator)
    tenant_staff: int  # a maker: files tickets, cannot pay
    other_tenant: object
    other_admin: int
    settlement_id: int


async def user(runtime, phone: str) -> int:
    return (await runtime.identity.ensure_user(phone=phone, roles=[])).id


async def build_world(runtime) -> World:
    parks = runtime.parks
    operator = Operator(await user(runtime, "13800000003"))
    ids = {name: await user(runtime, phone) for name, phone in (
        ("owner_admin", "13900001001"), ("manager", "13900001002"), ("technician", "13900001003"),
        ("rival_admin", "13900001011"), ("rival_manager", "13900001012"),
        ("tenant_admin", "13900001021"), ("tenant_staff", "13900001022"), ("other_admin", "13900001031"),
    )}

    async def enterprise(n, name, admin, category=None):
        opened = await open_enterprise(by=operator, name=name, credit_code=credit_code(n), merchant_category=category)
        await add_enterprise_member(by=operator, enterprise_id=opened.id, user_id=admin,
                                    role=EnterpriseRole.ADMINISTRATOR)
        return opened

    owner = await enterprise(1, "深圳湾科技园运营有限公司", ids["owner_admin"], MerchantCategory.PARK_OPERATOR)
    rival = await enterprise(2, "南山智园运营有限公司", ids["rival_admin"], MerchantCategory.PARK_OPERATOR)
    tenant = await enterprise(3, "深圳市云帆电子有限公司", ids["tenant_admin"])
    await add_enterprise_member(by=operator, enterprise_id=tenant.id, user_id=ids["tenant_staff"],
                                role=EnterpriseRole.MAKER)
    other = await enterprise(4, "深圳市海川物流有限公司", ids["other_admin"])

    park = await parks.create_park(by_user_id=ids["owner_admin"], operator_enterprise_id=owner.id,
                                   name="深圳湾科技园", city="深圳", address="南山区科苑南路 1 号")
    await parks.appoint_staff(by_user_id=ids["owner_admin"], park_id=park.id, user_id=ids["manager"], role="manager")
    await parks.appoint_staff(by_user_id=ids["owner_admin"], park_id=park.id, user_id=ids["technician"],
                              role="technician")
    rival_park = await parks.create_park(by_user_id=ids["rival_admin"], operator_enterprise_id=rival.id,
                                         name="南山智园", city="深圳", address="南山区学苑大道 1001 号")
    await parks.appoint_staff(by_user_id=ids["rival_admin"], park_id=rival_park.id, user_id=ids["rival_manager"],
                              role="manager")
    building = await parks.add_building(by_user_id=ids["manager"], park_id=park.id, name="A 栋", floors=20)
    settlement = await open_account(owner_user_id=None, kind=AccountKind.SETTLEMENT, name="settlement")
    return World(operator=operator.user_id, owner=owner, owner_admin=ids["owner_admin"], park=park,
                 manager=ids["manager"], technician=ids["technician"], building=building, rival=rival,
                 rival_park=rival_park, rival_manager=ids["rival_manager"], tenant=tenant,
                 tenant_admin=ids["tenant_admin"], tenant_staff=ids["tenant_staff"], other_tenant=other,
                 other_admin=ids["other_admin"], settlement_id=settlement.id)


async def fund(runtime, world: World, enterprise, amount: int, key: str) -> None:
    await runtime.ledger.transfer(by=FUNDING, from_account_id=world.settlement_id, to_account_id=enterprise.account_id,
                                  amount=amount, idempotency_key=key, kind="deposit")


async def unit(runtime, world: World, code: str = "A-1201", **overrides):
    values = dict(code=code, floor=12, area_m2="126.5", use="office", rent_fen_per_m2_day=450,
                  available_from=date(2026, 12, 1))
    values.update(overrides)
    return await runtime.parks.add_unit(by_user_id=world.manager, building_id=world.building.id, **values)


async def leased_unit(runtime, world: World, code: str = "A-1201", *, months: int = 3, deposit: int = 50_000_00):
    listed = await unit(runtime, world, code)
    lease = await runtime.parks.sign_lease(by_user_id=world.manager, unit_id=listed.id,
                                           tenant_enterprise_id=world.tenant.id, start=date(2026, 12, 1),
                                           months=months, monthly_rent=listed.monthly_rent_estimate, deposit=deposit)
    return listed, lease
