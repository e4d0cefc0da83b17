"""Who may do what in a park: the operator's administrators, the park's staff, the tenants.

Another park's staff and another enterprise's members are told the thing does not exist
(``NotFound``), as if they had guessed an id; someone who may see it but lacks the role
is told the role they need.
"""

from __future__ import annotations

from infra.i18n import Text
from ledger import service as ledger
from miniprograms.parks import errors
from miniprograms.parks.models import Park, ParkStaff
from miniprograms.parks.vocabulary import ParkRole

# Roles of a tenant enterprise that may pay its bills: those who approve its money.
PAYING_ROLES = frozenset({ledger.EnterpriseRole.ADMINISTRATOR, ledger.EnterpriseRole.CHECKER})


async def require_operator_admin(*, enterprise_id: int, user_id: int) -> ledger.Enterprise:
    """The park operator enterprise, when the user is one of its administrators."""
    try:
        await ledger.require_enterprise_role(enterprise_id=enterprise_id, user_id=user_id,
                                             roles={ledger.EnterpriseRole.ADMINISTRATOR})
    except (ledger.EnterpriseNotFound, ledger.NotEnterpriseMember):
        raise errors.NotFound("operator") from None
    except ledger.EnterpriseRoleRequired:
        raise errors.ParkRoleRequired("operator_admin") from None
    enterprise = await ledger.get_enterprise(enterprise_id=enterprise_id)
    if enterprise.merchant_category is not ledger.MerchantCategory.PARK_OPERATOR:
        raise errors.InvalidInput(Text("parks.not_a_park_operator"), field="operatorEnterpriseId")
    return enterprise


async def park_roles(*, park: Park, user_id: int) -> frozenset[ParkRole]:
    """The user's roles in the park; the operator's administrators manage all its parks."""
    held = set(await ParkStaff.filter(park_id=park.id, user_id=user_id).values_list("role", flat=True))
    roles = {ParkRole(r) for r in held}
    admin_of = await ledger.enterprise_roles(enterprise_id=park.operator_enterprise_id, user_id=user_id)
    if ledger.EnterpriseRole.ADMINISTRATOR in admin_of:
        roles.add(ParkRole.MANAGER)
    return frozenset(roles)


async def require_park_role(*, park_id: int, user_id: int, role: ParkRole) -> Park:
    park = await Park.get_or_none(id=park_id)
    if park is None:
        raise errors.NotFound("park")
    roles = await park_roles(park=park, user_id=user_id)
    if not roles:
        raise errors.NotFound("park")
    if role not in roles:
        raise errors.ParkRoleRequired(role.value)
    return park


async def require_tenant_member(*, enterprise_id: int, user_id: int,
                                roles: frozenset[ledger.EnterpriseRole] | None = None) -> None:
    """The user holds a role in the enterprise (one of ``roles`` when given)."""
    held = await ledger.enterprise_roles(enterprise_id=enterprise_id, user_id=user_id)
    if not held:
        raise errors.NotFound("enterprise")
    if roles is not None and not held & roles:
        raise errors.TenantRoleRequired()


async def tenant_enterprises_of(*, user_id: int) -> list[int]:
    return sorted({m.enterprise_id for m in await ledger.memberships_of(user_id=user_id)})
