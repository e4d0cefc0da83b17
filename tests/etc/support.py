"""Given-steps for ETC tests: verified customers with a card, merchants registered as an
operator registers them, partner servers signing their requests."""

from __future__ import annotations

from miniprograms.etc.graphql.access import etc_service
from dataclasses import dataclass
from itertools import count

from ledger.credit_code import check_character
from ledger.service import Customer, MerchantCategory, Operator, open_enterprise
from tests.ledger.support import deposit, opened_through_kyc, paying_customer
from tests.openplatform.support import register_partner_app

_users = count(7001)
_codes = count(1)


def credit_code() -> str:
    first17 = f"9144030{next(_codes):010d}"
    return first17 + check_character(first17)


@dataclass
class Driver:
    user_id: int
    account_id: int
    customer: Customer  # with the PIN typed, as the apply sheet asks


async def verified_driver(runtime, *, balance: int = 100_000, user_id: int | None = None) -> Driver:
    user_id = user_id or next(_users)
    account = await opened_through_kyc(runtime, user_id, "张*", balance)
    return Driver(user_id, account.id, await paying_customer(runtime, user_id))


async def driver_with_card(runtime, plate: str, *, balance: int = 100_000):
    driver = await verified_driver(runtime, balance=balance)
    card = await etc_service(runtime).apply(by=driver.customer, plate=plate)
    return driver, card


@dataclass
class EtcMerchantApp:
    app_id: str
    secret: str
    enterprise_id: int
    account_id: int
    name: str


async def merchant_app(runtime, gql, sign_in, *, category=MerchantCategory.TOLL_OPERATOR,
                       name: str = "广深高速") -> EtcMerchantApp:
    """A partner app registered by its developer, and an operator letting it debit ETC cards."""
    app = await register_partner_app(gql, sign_in)
    enterprise = await open_enterprise(by=Operator(1), name=name, credit_code=credit_code(),
                                       merchant_category=category)
    await etc_service(runtime).register_merchant(app_id=app.app_id, enterprise_id=enterprise.id)
    return EtcMerchantApp(app.app_id, app.secret, enterprise.id, enterprise.account_id, name)


async def balance(account_id: int) -> int:
    from ledger.service import get_account

    return (await get_account(account_id=account_id)).balance


__all__ = ["deposit", "driver_with_card", "merchant_app", "verified_driver", "balance", "credit_code"]
