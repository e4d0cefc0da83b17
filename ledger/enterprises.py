"""Business customers: an enterprise with its corporate settlement account, and its members.

An operator opens an enterprise (name, unified social credit code checked per GB 32100,
and for a merchant its category); the enterprise gets one settlement account (a merchant
account for merchants) that no user owns: the bank's own services move its money for it,
after checking the roles here (payroll's maker and checker). Members are signed-in users
with one or more roles in one enterprise; an operator or the enterprise's administrator
manages them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from infra.i18n import Text
from ledger import errors
from ledger.account_numbers import new_account_number
from ledger.credit_code import normalized_credit_code
from ledger.kinds import AccountKind
from ledger.models import Account, Enterprise as EnterpriseRow, EnterpriseMember
from ledger.vocabulary import EnterpriseRole, MerchantCategory

MAX_NAME = 100


@dataclass(frozen=True, slots=True)
class Operator:
    """A member of the bank's operations staff (the transport checked the role)."""

    user_id: int


@dataclass(frozen=True, slots=True)
class Member:
    """A signed-in user acting in an enterprise."""

    user_id: int


EnterpriseActor = Operator | Member


@dataclass(frozen=True, slots=True)
class Enterprise:
    id: int
    name: str
    credit_code: str
    merchant_category: MerchantCategory | None
    account_id: int
    account_number: str
    created_at: datetime

    @classmethod
    def of(cls, row: EnterpriseRow, account: Account) -> Enterprise:
        return cls(row.id, row.name, row.credit_code, row.merchant_category, account.id, account.number or "",
                   row.created_at)


@dataclass(frozen=True, slots=True)
class Membership:
    enterprise_id: int
    user_id: int
    role: EnterpriseRole
    created_at: datetime


async def open_enterprise(
    *, by: Operator, name: str, credit_code: str, merchant_category: MerchantCategory | str | None = None,
) -> Enterprise:
    """Open the enterprise and its account; opening the same code again with the same name
    and category returns it (an operator's retry), otherwise EnterpriseExists."""
    if not isinstance(by, Operator):
        raise errors.InvalidRequest(Text("ledger.only_operators_open_enterprises"), field="by")
    name = " ".join((name or "").split())
    if not 2 <= len(name) <= MAX_NAME:
        raise errors.InvalidRequest(Text("ledger.enterprise_name_length", most=MAX_NAME), field="name")
    code = normalized_credit_code(credit_code)
    category = _category(merchant_category)
    existing = await EnterpriseRow.get_or_none(credit_code=code)
    if existing is None:
        try:
            async with in_transaction():
                account = await Account.create(
                    owner_user_id=None, kind=AccountKind.MERCHANT if category else AccountKind.ENTERPRISE,
                    name=name[:64], number=new_account_number(), opening_key=f"enterprise:{code}",
                )
                row = await EnterpriseRow.create(name=name, credit_code=code, merchant_category=category,
                                                 account=account, opened_by_user_id=by.user_id)
            return Enterprise.of(row, account)
        except IntegrityError:  # opened at the same moment by another operator's request
            existing = await EnterpriseRow.get(credit_code=code)
    if (existing.name, existing.merchant_category) != (name, category):
        raise errors.EnterpriseExists(existing.id)
    return Enterprise.of(existing, await Account.get(id=existing.account_id))


def _category(value: MerchantCategory | str | None) -> MerchantCategory | None:
    if value is None:
        return None
    try:
        return MerchantCategory(value)
    except ValueError:
        raise errors.InvalidRequest(Text("ledger.not_a_merchant_category"), field="merchant_category") from None


async def get_enterprise(*, enterprise_id: int) -> Enterprise:
    row = await EnterpriseRow.get_or_none(id=enterprise_id).select_related("account")
    if row is None:
        raise errors.EnterpriseNotFound()
    return Enterprise.of(row, row.account)


async def enterprise_by_credit_code(*, credit_code: str) -> Enterprise | None:
    row = await EnterpriseRow.get_or_none(credit_code="".join(credit_code.split()).upper()).select_related("account")
    return None if row is None else Enterprise.of(row, row.account)


async def merchants(*, category: MerchantCategory) -> list[Enterprise]:
    """The merchants of one category, oldest first (ETC finds its toll operators so)."""
    rows = await EnterpriseRow.filter(merchant_category=category).order_by("id").select_related("account")
    return [Enterprise.of(row, row.account) for row in rows]


async def enterprises(*, first: int = 50, after_id: int | None = None) -> list[Enterprise]:
    if not 1 <= first <= 100:
        raise errors.InvalidRequest(Text("ledger.enterprises_page_size"), field="first")
    query = EnterpriseRow.all()
    if after_id is not None:
        query = query.filter(id__gt=after_id)
    return [Enterprise.of(r, r.account) for r in await query.order_by("id").limit(first).select_related("account")]


async def roles_of(*, enterprise_id: int, user_id: int) -> frozenset[EnterpriseRole]:
    rows = await EnterpriseMember.filter(enterprise_id=enterprise_id, user_id=user_id).values_list("role", flat=True)
    return frozenset(EnterpriseRole(role) for role in rows)


async def require_role(*, enterprise_id: int, user_id: int, roles: frozenset[EnterpriseRole] | set) -> EnterpriseRole:
    """The first of ``roles`` the user holds in the enterprise, or NotEnterpriseMember /
    EnterpriseRoleRequired (payroll asks this before a maker submits or a checker approves)."""
    held = await roles_of(enterprise_id=enterprise_id, user_id=user_id)
    if not held:
        if not await EnterpriseRow.exists(id=enterprise_id):
            raise errors.EnterpriseNotFound()
        raise errors.NotEnterpriseMember(enterprise_id)
    for role in EnterpriseRole:
        if role in roles and role in held:
            return role
    raise errors.EnterpriseRoleRequired(enterprise_id, sorted(r.value for r in roles))


async def memberships_of(*, user_id: int) -> list[Membership]:
    rows = await EnterpriseMember.filter(user_id=user_id).order_by("enterprise_id", "id")
    return [Membership(r.enterprise_id, r.user_id, r.role, r.created_at) for r in rows]


async def members(*, by: EnterpriseActor, enterprise_id: int) -> list[Membership]:
    """Who holds which role; an operator or the enterprise's administrator may ask."""
    await _may_manage(by, enterprise_id)
    rows = await EnterpriseMember.filter(enterprise_id=enterprise_id).order_by("user_id", "id")
    return [Membership(r.enterprise_id, r.user_id, r.role, r.created_at) for r in rows]


async def add_member(*, by: EnterpriseActor, enterprise_id: int, user_id: int, role: EnterpriseRole | str) -> Membership:
    """Give a user a role in the enterprise; giving it again changes nothing."""
    role = _role(role)
    await _may_manage(by, enterprise_id)
    try:
        row, _ = await EnterpriseMember.get_or_create(enterprise_id=enterprise_id, user_id=user_id, role=role,
                                                      defaults={"added_by_user_id": by.user_id})
    except IntegrityError:  # given at the same moment by another request
        row = await EnterpriseMember.get(enterprise_id=enterprise_id, user_id=user_id, role=role)
    return Membership(row.enterprise_id, row.user_id, row.role, row.created_at)


async def remove_member(*, by: EnterpriseActor, enterprise_id: int, user_id: int, role: EnterpriseRole | str) -> None:
    """Take a role away; the last administrator stays (an operator appoints another first)."""
    role = _role(role)
    await _may_manage(by, enterprise_id)
    async with in_transaction():
        admins = await EnterpriseMember.select_for_update().filter(
            enterprise_id=enterprise_id, role=EnterpriseRole.ADMINISTRATOR)
        if role is EnterpriseRole.ADMINISTRATOR and [a.user_id for a in admins] == [user_id]:
            raise errors.LastAdministrator(enterprise_id)
        await EnterpriseMember.filter(enterprise_id=enterprise_id, user_id=user_id, role=role).delete()


def _role(value: EnterpriseRole | str) -> EnterpriseRole:
    try:
        return EnterpriseRole(value)
    except ValueError:
        raise errors.InvalidRequest(Text("ledger.not_an_enterprise_role"), field="role") from None


async def _may_manage(by: EnterpriseActor, enterprise_id: int) -> None:
    if isinstance(by, Operator):
        if not await EnterpriseRow.exists(id=enterprise_id):
            raise errors.EnterpriseNotFound()
        return
    if not isinstance(by, Member):
        raise TypeError("by is an Operator or a Member")
    await require_role(enterprise_id=enterprise_id, user_id=by.user_id, roles={EnterpriseRole.ADMINISTRATOR})
