"""Class I accounts: a customer's external bank card, bound after a Luhn check.

The number is stored encrypted with a blind index for duplicate checks, and only ever
shown as its first 6 and last 4 digits.
"""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from ledger import errors
from ledger.kinds import AccountKind, AccountStatus
from ledger.luhn import luhn_valid
from ledger.models import Account
from ledger.tokens import in_token_range
from infra.i18n import Text
from infra.masking import mask_card_number
from infra.pii import PiiCipher

_CONTEXT = "bank_card"


def normalized_card_number(raw: str) -> str:
    number = "".join((raw or "").split()).replace("-", "")
    if not (number.isascii() and number.isdigit() and 13 <= len(number) <= 19 and luhn_valid(number)):
        raise errors.InvalidCardNumber()
    if in_token_range(number):  # an app's card token is never bound as a card
        raise errors.InvalidCardNumber(Text("ledger.card_in_token_range"))
    return number


async def bind_card(*, owner_user_id: int, card_number: str, cipher: PiiCipher, name: str | None = None) -> Account:
    """Open a Class I account for an external card; a card is bound once per customer."""
    number = normalized_card_number(card_number)
    index = cipher.blind_index(number, purpose=_CONTEXT)
    if await Account.filter(
        owner_user_id=owner_user_id, card_index=index, status__not=AccountStatus.CLOSED
    ).exists():
        raise errors.CardAlreadyBound()
    try:
        return await Account.create(
            owner_user_id=owner_user_id,
            # Unique: the same card bound twice at once still makes one account.
            opening_key=f"card:{owner_user_id}:{index}",
            kind=AccountKind.CLASS_ONE,
            name=(name or "").strip()[:64] or f"Card ending {number[-4:]}",
            card_ciphertext=cipher.encrypt(number, context=_CONTEXT),
            card_index=index,
            card_masked=mask_card_number(number),
        )
    except IntegrityError:
        raise errors.CardAlreadyBound() from None


def card_number(account: Account, cipher: PiiCipher) -> str:
    """The bound card's full number, for the card network only: never shown or logged."""
    if account.kind is not AccountKind.CLASS_ONE or account.card_ciphertext is None:
        raise errors.AccountNotFound(account.id)
    return cipher.decrypt(account.card_ciphertext, context=_CONTEXT)
