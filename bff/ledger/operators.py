"""Operations staff find a customer's accounts (to freeze or unfreeze one): by the customer's
phone or by one account's number, answered with the personal data masked. The look-up is
audited by the ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from bff.context import Info
from bff.errors import InvalidInput
from bff.ledger.types import AccountKind, AccountStatus
from bff.permissions import requires
from identity import errors as identity_errors
from identity.roles import Role
from infra.i18n import t
from infra.masking import mask_card_number, mask_phone
from ledger.service import customer_accounts_for_operator


@strawberry.type(description="A customer's account as operations staff see it: numbers and phone masked.")
class CustomerAccount:
    id: strawberry.ID
    kind: AccountKind
    status: AccountStatus
    masked_account_number: str | None = strawberry.field(description="Class II: first 6 and last 4 digits.")
    masked_card_number: str | None = strawberry.field(description="Class I: the bound card's first 6 and last 4.")
    masked_owner_phone: str
    created_at: datetime


@strawberry.type(description="The accounts found; none when no customer matches.")
class CustomerAccounts:
    accounts: list[CustomerAccount]


CustomerAccountsResult = Annotated[CustomerAccounts | InvalidInput, strawberry.union("CustomerAccountsResult")]


@strawberry.type
class OperatorLedgerQuery:
    @strawberry.field(
        extensions=requires(Role.OPERATOR),
        description="Operators: a customer's accounts, by their phone or by one account's number (give one); the "
                    "look-up is written to the audit log.",
    )
    async def customer_accounts(self, info: Info, phone: str | None = None,
                                account_number: str | None = None) -> CustomerAccountsResult:
        if (phone is None) == (account_number is None):
            return InvalidInput(message=t("ledger.phone_or_account_number"), field="phone")
        operator = f"user:{info.context.principal.user_id}"
        identity = info.context.runtime.identity
        if phone is not None:
            try:
                owner = await identity.user_id_for_phone(phone=phone)
            except identity_errors.InvalidPhone as exc:
                return InvalidInput(message=str(exc), field="phone")
            rows = [] if owner is None else await customer_accounts_for_operator(operator=operator,
                                                                                owner_user_id=owner)
        else:
            rows = await customer_accounts_for_operator(operator=operator, number=account_number)
        if not rows:
            return CustomerAccounts(accounts=[])
        masked_phone = mask_phone(await identity.phone_number(user_id=rows[0].owner_user_id))
        return CustomerAccounts(accounts=[CustomerAccount(
            id=strawberry.ID(str(row.id)), kind=row.kind, status=row.status,
            masked_account_number=mask_card_number(row.number) if row.number else None,
            masked_card_number=row.card_masked, masked_owner_phone=masked_phone, created_at=row.created_at,
        ) for row in rows])
