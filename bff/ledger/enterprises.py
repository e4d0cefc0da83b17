"""Enterprise and merchant customers in GraphQL: operators open them; an enterprise's
administrator (or an operator) manages its members; members see their enterprises."""

from __future__ import annotations

from typing import Annotated

import strawberry

from infra.i18n import t
from bff.context import Info
from bff.errors import Error, InvalidInput
from bff.ledger.types import Fen
from bff.ids import OptionalRecordId, ParsedIds, RecordId
from bff.permissions import requires
from identity import errors as identity_errors
from identity.roles import Role
from infra.masking import mask_phone
from ledger import errors
from ledger.service import EnterpriseRole as DomainEnterpriseRole
from ledger.service import MerchantCategory as DomainMerchantCategory
from ledger.service import (
    Enterprise as DomainEnterprise, Member, Operator, add_enterprise_member, enterprise_members, enterprise_roles,
    enterprises, get_account, get_enterprise, memberships_of, open_enterprise, remove_enterprise_member,
)

EnterpriseRole = strawberry.enum(DomainEnterpriseRole, name="EnterpriseRole")
MerchantCategory = strawberry.enum(DomainMerchantCategory, name="MerchantCategory")


@strawberry.type(description="The enterprise's corporate settlement account (a merchant account for merchants).")
class EnterpriseAccount:
    id: strawberry.ID
    account_number: str
    balance: Fen
    available: Fen = strawberry.field(description="The balance less its active holds (a payroll batch being paid).")
    status: str


@strawberry.type
class Enterprise:
    id: strawberry.ID
    name: str
    credit_code: str = strawberry.field(description="The unified social credit code (GB 32100).")
    merchant_category: MerchantCategory | None
    _account_id: strawberry.Private[int]

    @classmethod
    def of(cls, enterprise: DomainEnterprise) -> Enterprise:
        return cls(id=strawberry.ID(str(enterprise.id)), name=enterprise.name, credit_code=enterprise.credit_code,
                   merchant_category=enterprise.merchant_category, _account_id=enterprise.account_id)

    @strawberry.field
    async def account(self, info: Info) -> EnterpriseAccount:
        row = await get_account(account_id=self._account_id)
        available = await info.context.runtime.ledger.available_balances(account_ids=[row.id])
        return EnterpriseAccount(id=strawberry.ID(str(row.id)), account_number=row.number or "", balance=row.balance,
                                 available=available[row.id], status=row.status.value)

    @strawberry.field(description="The roles you hold in this enterprise.")
    async def my_roles(self, info: Info) -> list[EnterpriseRole]:
        roles = await enterprise_roles(enterprise_id=int(self.id), user_id=info.context.principal.user_id)
        return [role for role in DomainEnterpriseRole if role in roles]


@strawberry.type
class EnterpriseMember:
    user_id: strawberry.ID
    masked_phone: str
    role: EnterpriseRole


@strawberry.type
class EnterpriseMembers:
    members: list[EnterpriseMember]


@strawberry.type
class EnterpriseOpened:
    enterprise: Enterprise


@strawberry.type(description="The members after the change (none if you no longer hold a role to see them).")
class EnterpriseMemberChanged:
    enterprise_id: strawberry.ID
    members: list[EnterpriseMember]


@strawberry.type(description="Not a unified social credit code: `reason` is LENGTH, CHARACTERS, DIVISION or "
                             "CHECK_CHARACTER (a mistyped code).")
class InvalidCreditCode(Error):
    reason: str


@strawberry.type(description="An enterprise with this credit code is already open under another name or category.")
class EnterpriseExists(Error):
    enterprise_id: strawberry.ID


@strawberry.type
class EnterpriseNotFound(Error):
    pass


@strawberry.type(description="You hold no role in this enterprise.")
class NotEnterpriseMember(Error):
    pass


@strawberry.type(description="This needs one of `roles` in the enterprise.")
class EnterpriseRoleRequired(Error):
    roles: list[EnterpriseRole]


@strawberry.type(description="An enterprise keeps at least one administrator.")
class LastAdministrator(Error):
    pass


_ACCESS_REFUSALS = EnterpriseNotFound | NotEnterpriseMember | EnterpriseRoleRequired
EnterpriseResult = Annotated[Enterprise | EnterpriseNotFound | NotEnterpriseMember, strawberry.union("EnterpriseResult")]
EnterpriseMembersResult = Annotated[EnterpriseMembers | _ACCESS_REFUSALS, strawberry.union("EnterpriseMembersResult")]
OpenEnterpriseResult = Annotated[
    EnterpriseOpened | InvalidCreditCode | EnterpriseExists | InvalidInput, strawberry.union("OpenEnterpriseResult")
]
EnterpriseMemberResult = Annotated[
    EnterpriseMemberChanged | _ACCESS_REFUSALS | LastAdministrator | InvalidInput,
    strawberry.union("EnterpriseMemberResult"),
]


@strawberry.input
class OpenEnterpriseInput:
    name: str
    credit_code: str
    merchant_category: MerchantCategory | None = strawberry.field(
        default=None, description="For a merchant (toll, parking, fuel, ...): its account is then a merchant account."
    )
    administrator_phone: str | None = strawberry.field(
        default=None, description="A signed-in user to make the enterprise's first administrator."
    )


def _actor(info: Info) -> Operator | Member:
    principal = info.context.principal
    return Operator(principal.user_id) if principal.has_any({Role.OPERATOR}) else Member(principal.user_id)


def _refusal(exc: errors.LedgerError):
    if isinstance(exc, errors.EnterpriseNotFound):
        return EnterpriseNotFound(message=str(exc))
    if isinstance(exc, errors.NotEnterpriseMember):
        return NotEnterpriseMember(message=str(exc))
    if isinstance(exc, errors.EnterpriseRoleRequired):
        return EnterpriseRoleRequired(message=str(exc), roles=[DomainEnterpriseRole(r) for r in exc.roles])
    if isinstance(exc, errors.LastAdministrator):
        return LastAdministrator(message=str(exc))
    if isinstance(exc, errors.InvalidCreditCode):
        return InvalidCreditCode(message=str(exc), reason=exc.reason)
    if isinstance(exc, errors.EnterpriseExists):
        return EnterpriseExists(message=str(exc), enterprise_id=strawberry.ID(str(exc.enterprise_id)))
    if isinstance(exc, errors.InvalidRequest):
        return InvalidInput(message=str(exc), field={"merchant_category": "merchantCategory"}.get(exc.field, exc.field))
    raise exc


async def _user_for_phone(info: Info, phone: str, field: str) -> int | InvalidInput:
    try:
        user_id = await info.context.runtime.identity.user_id_for_phone(phone=phone)
    except identity_errors.InvalidPhone as exc:
        return InvalidInput(message=str(exc), field=field)
    if user_id is None:
        return InvalidInput(message=t("ledger.nobody_with_this_number"), field=field)
    return user_id


async def _members(info: Info, by, enterprise_id: int) -> list[EnterpriseMember]:
    identity = info.context.runtime.identity
    return [
        EnterpriseMember(user_id=strawberry.ID(str(m.user_id)), role=m.role,
                         masked_phone=mask_phone(await identity.phone_number(user_id=m.user_id)))
        for m in await enterprise_members(by=by, enterprise_id=enterprise_id)
    ]


@strawberry.type
class EnterpriseQuery:
    @strawberry.field(extensions=[ParsedIds(), *requires()], description="An enterprise you hold a role in (operators: any).")
    async def enterprise(self, info: Info, id: RecordId) -> EnterpriseResult:
        try:
            enterprise = await get_enterprise(enterprise_id=id)
            by = _actor(info)
            if isinstance(by, Member) and not await enterprise_roles(enterprise_id=enterprise.id, user_id=by.user_id):
                raise errors.NotEnterpriseMember(enterprise.id)
        except errors.LedgerError as exc:
            return _refusal(exc)
        return Enterprise.of(enterprise)

    @strawberry.field(extensions=requires(), description="The enterprises you hold a role in.")
    async def my_enterprises(self, info: Info) -> list[Enterprise]:
        ids = sorted({m.enterprise_id for m in await memberships_of(user_id=info.context.principal.user_id)})
        return [Enterprise.of(await get_enterprise(enterprise_id=i)) for i in ids]

    @strawberry.field(extensions=[ParsedIds(), *requires(Role.OPERATOR)], description="Every enterprise, oldest first (operators).")
    async def enterprises(self, info: Info, first: int = 50, after_id: OptionalRecordId = None) -> list[Enterprise]:
        return [Enterprise.of(e) for e in await enterprises(first=min(max(first, 1), 100), after_id=after_id)]

    @strawberry.field(extensions=[ParsedIds(), *requires()], description="Who holds which role (the enterprise's administrators "
                                                          "and operators).")
    async def enterprise_members(self, info: Info, enterprise_id: RecordId) -> EnterpriseMembersResult:
        try:
            return EnterpriseMembers(members=await _members(info, _actor(info), enterprise_id))
        except errors.LedgerError as exc:
            return _refusal(exc)


@strawberry.type
class EnterpriseMutation:
    @strawberry.mutation(
        extensions=requires(Role.OPERATOR),
        description="Open an enterprise or merchant customer with its settlement account (operators); the same "
                    "code, name and category again returns it.",
    )
    async def open_enterprise(self, info: Info, input: OpenEnterpriseInput) -> OpenEnterpriseResult:
        admin = None
        if input.administrator_phone is not None:
            admin = await _user_for_phone(info, input.administrator_phone, "administratorPhone")
            if isinstance(admin, InvalidInput):
                return admin
        operator = Operator(info.context.principal.user_id)
        try:
            enterprise = await open_enterprise(by=operator, name=input.name, credit_code=input.credit_code,
                                               merchant_category=input.merchant_category)
            if admin is not None:
                await add_enterprise_member(by=operator, enterprise_id=enterprise.id, user_id=admin,
                                            role=DomainEnterpriseRole.ADMINISTRATOR)
        except errors.LedgerError as exc:
            return _refusal(exc)
        return EnterpriseOpened(enterprise=Enterprise.of(enterprise))

    @strawberry.mutation(extensions=[ParsedIds(), *requires()], description="Give a signed-in user a role in the enterprise "
                                                             "(its administrators and operators).")
    async def add_enterprise_member(
        self, info: Info, enterprise_id: RecordId, phone: str, role: EnterpriseRole
    ) -> EnterpriseMemberResult:
        return await _change_member(info, enterprise_id, phone, role, add_enterprise_member)

    @strawberry.mutation(extensions=[ParsedIds(), *requires()], description="Take a role away (its administrators and operators).")
    async def remove_enterprise_member(
        self, info: Info, enterprise_id: RecordId, phone: str, role: EnterpriseRole
    ) -> EnterpriseMemberResult:
        return await _change_member(info, enterprise_id, phone, role, remove_enterprise_member)


async def _change_member(info: Info, enterprise_id: int, phone: str, role, change) -> EnterpriseMemberResult:
    by = _actor(info)
    try:
        enterprise = enterprise_id
        await enterprise_members(by=by, enterprise_id=enterprise)  # may they? before any phone is looked up
        user_id = await _user_for_phone(info, phone, "phone")
        if isinstance(user_id, InvalidInput):
            return user_id
        await change(by=by, enterprise_id=enterprise, user_id=user_id, role=role)
    except errors.LedgerError as exc:
        return _refusal(exc)
    try:
        members = await _members(info, by, enterprise)
    except errors.NotEnterpriseMember:  # an administrator who stepped down sees no more
        members = []
    return EnterpriseMemberChanged(enterprise_id=enterprise_id, members=members)
