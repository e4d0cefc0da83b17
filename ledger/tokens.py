"""Card tokens: the number a mini-program or a partner knows a bound card by (EMVCo-style vault).

An app never sees a card number, not even masked: it gets one token per (card, app),
19 digits, Luhn-valid so its forms accept it, drawn at random (nothing derives it from the
card) under ``TOKEN_BIN``, which no card scheme issues. The vault (``CardToken``) is the
ledger's own: only the ledger maps a token back to its card, and only for the app the
token was made for.

``TOKEN_BIN`` 999901: ISO/IEC 7812-1 gives major industry identifier 9 to national
standards bodies, outside the card schemes; the schemes our card network routes (UnionPay
62, Visa 4, Mastercard 2/5, ...) never issue under it, and the one national scheme using 9
that we know of (Turkey's Troy, 9792) is far from 9999. A card in this range is refused at
binding, so a token can never be bound as a card.

Unbinding a card suspends its tokens for good: binding the card again opens a new Class I
account, which gets new tokens, so a token an app kept from the old binding stays refused.
Removing an app deletes its tokens.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from infra.i18n import Text
from ledger import errors
from ledger.kinds import AccountKind, AccountStatus
from ledger.luhn import luhn_check_digit, luhn_valid
from ledger.models import Account, CardToken
from ledger.vocabulary import CardTokenStatus

TOKEN_BIN = "999901"
TOKEN_LENGTH = 19
_RANDOM_DIGITS = TOKEN_LENGTH - len(TOKEN_BIN) - 1  # 12: the last digit is Luhn's
_MAX_APP_ID = 32


@dataclass(frozen=True, slots=True)
class CardTokenView:
    """What an app may be told of a bound card: its token, and the real card's last four digits
    for display (as EMVCo allows), never its first six."""

    token: str
    app_id: str
    last4: str
    status: CardTokenStatus


def new_token() -> str:
    body = TOKEN_BIN + f"{secrets.randbelow(10 ** _RANDOM_DIGITS):0{_RANDOM_DIGITS}d}"
    return body + luhn_check_digit(body)


def in_token_range(number: str) -> bool:
    return number.startswith(TOKEN_BIN[:4])  # the whole 9999 block is kept clear of cards


def _normalized_token(raw: object) -> str | None:
    if not isinstance(raw, str):
        return None
    token = raw.replace(" ", "").replace("-", "")
    if not (token.isascii() and token.isdigit() and len(token) == TOKEN_LENGTH and token.startswith(TOKEN_BIN)):
        return None
    return token if luhn_valid(token) else None


def _checked_app_id(app_id: object) -> str:
    if not isinstance(app_id, str) or not 1 <= len(app_id) <= _MAX_APP_ID:
        raise errors.InvalidRequest(Text("ledger.card_token_app_id", max=_MAX_APP_ID), field="app_id")
    return app_id


def _view(row: CardToken, account: Account) -> CardTokenView:
    return CardTokenView(token=row.token, app_id=row.app_id, last4=(account.card_masked or "")[-4:],
                         status=row.status)


async def token_for(*, account_id: int, app_id: str) -> CardTokenView:
    """The app's token for a bound card, made on first use; two calls at once make one token."""
    app_id = _checked_app_id(app_id)
    account = await Account.get_or_none(id=account_id)
    if account is None or account.kind is not AccountKind.CLASS_ONE or account.status is AccountStatus.CLOSED:
        raise errors.AccountNotFound(account_id)
    return (await _tokens(accounts=[account], app_id=app_id))[account.id]


async def tokens_for(*, accounts: Sequence[Account], app_id: str) -> dict[int, CardTokenView]:
    """The app's tokens for these bound cards (Class I accounts not closed), by account id."""
    app_id = _checked_app_id(app_id)
    cards = [a for a in accounts if a.kind is AccountKind.CLASS_ONE and a.status is not AccountStatus.CLOSED]
    return await _tokens(accounts=cards, app_id=app_id) if cards else {}


async def _tokens(*, accounts: Sequence[Account], app_id: str) -> dict[int, CardTokenView]:
    by_id = {a.id: a for a in accounts}
    found: dict[int, CardToken] = {}
    for _ in range(5):
        rows = await CardToken.filter(account_id__in=list(by_id), app_id=app_id)
        found = {row.account_id: row for row in rows}
        missing = [account_id for account_id in by_id if account_id not in found]
        if not missing:
            return {account_id: _view(row, by_id[account_id]) for account_id, row in found.items()}
        # Inserted only where no row exists: a concurrent call's token (unique per card and
        # app) wins and both read it back; a random token already taken (one in 10^12 per
        # token) leaves its card missing for the next round to draw again.
        now = datetime.now(timezone.utc)
        await CardToken.bulk_create(
            [CardToken(account_id=account_id, app_id=app_id, token=new_token(), created_at=now) for account_id in missing],
            ignore_conflicts=True,
        )
    raise RuntimeError("no free card token after 5 draws")


async def card_of_token(*, token: str, app_id: str, owner_user_id: int) -> Account:
    """Detokenise, inside the ledger only: the customer's bound card this app's token names.

    CardTokenNotFound for a malformed or unknown token or another customer's;
    CardTokenNotForThisApp for a token made for another app; CardTokenSuspended once the card
    was unbound."""
    app_id = _checked_app_id(app_id)
    normalized = _normalized_token(token)
    row = None if normalized is None else await CardToken.get_or_none(token=normalized).select_related("account")
    if row is None or row.account.owner_user_id != owner_user_id:
        raise errors.CardTokenNotFound()
    if row.app_id != app_id:
        raise errors.CardTokenNotForThisApp()
    if row.status is not CardTokenStatus.ACTIVE or row.account.status is AccountStatus.CLOSED:
        raise errors.CardTokenSuspended()
    return row.account


async def view_of_token(*, token: str, app_id: str, owner_user_id: int) -> CardTokenView:
    """What the app may be told of the card its token names (the last four digits), with the
    refusals of ``card_of_token``: for the sheet a customer confirms a card payment in."""
    account = await card_of_token(token=token, app_id=app_id, owner_user_id=owner_user_id)
    return CardTokenView(token=_normalized_token(token) or "", app_id=app_id,
                         last4=(account.card_masked or "")[-4:], status=CardTokenStatus.ACTIVE)


async def suspend_tokens(*, account_id: int) -> int:
    """Every app's token for an unbound card is refused from now on; called in its transaction."""
    return await CardToken.filter(account_id=account_id, status=CardTokenStatus.ACTIVE).update(
        status=CardTokenStatus.SUSPENDED, suspended_at=datetime.now(timezone.utc),
    )


async def delete_app_tokens(*, app_id: str) -> int:
    """A removed app's tokens, for every card: deleted, so nothing it kept names a card again."""
    return await CardToken.filter(app_id=_checked_app_id(app_id)).delete()
