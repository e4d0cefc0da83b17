"""The customer's accounts and statements."""

from __future__ import annotations

import strawberry

from bff.context import Info
from bff.ids import RecordId, ParsedIds
from bff.ledger.types import (
    Account,
    AccountTransaction,
    AccountTransactionConnection,
    AccountTransactionEdge,
    TransactionPageInfo,
    decode_cursor,
    encode_cursor,
)
from bff.permissions import requires
from identity.roles import Role
from ledger import errors
from ledger.service import accounts_of, get_account, statement


@strawberry.type
class LedgerQuery:
    @strawberry.field(extensions=requires(Role.CUSTOMER), description="The signed-in customer's accounts.")
    async def accounts(self, info: Info) -> list[Account]:
        return [Account.of(row) for row in await accounts_of(owner_user_id=info.context.principal.user_id)]

    @strawberry.field(
        extensions=[ParsedIds(), *requires(Role.CUSTOMER)], description="One of your accounts; null if it is not yours."
    )
    async def account(self, info: Info, id: RecordId) -> Account | None:
        try:
            row = await get_account(account_id=id, owner_user_id=info.context.principal.user_id)
        except errors.AccountNotFound:
            return None
        return Account.of(row)

    @strawberry.field(
        extensions=[ParsedIds(), *requires(Role.CUSTOMER)],
        description="An account's postings, newest first.",
    )
    async def transactions(
        self, info: Info, account_id: RecordId, first: int = 20, after: str | None = None
    ) -> AccountTransactionConnection | None:
        before = decode_cursor(after) if after is not None else None
        if after is not None and before is None:
            return None
        try:
            page = await statement(
                account_id=account_id, owner_user_id=info.context.principal.user_id,
                first=min(max(first, 1), 100), before_posting_id=before,
            )
        except errors.AccountNotFound:
            return None
        edges = [
            AccountTransactionEdge(cursor=encode_cursor(line.posting_id), node=AccountTransaction.of(line))
            for line in page.lines
        ]
        return AccountTransactionConnection(
            edges=edges,
            page_info=TransactionPageInfo(has_next_page=page.has_more, end_cursor=edges[-1].cursor if edges else None),
        )
