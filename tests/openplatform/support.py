"""Given-steps for open-platform tests: partner apps registered and customers funded the public way."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count

from identity.roles import Role
from miniprogram_host.actors import Actor
from tests.miniprogram_host.helpers import CREATE_ORG, REGISTER

_phones = count(100)


@dataclass
class PartnerApp:
    app_id: str
    secret: str
    org_id: str
    developer_token: str
    developer: Actor
    developer_session: object


async def register_partner_app(gql, sign_in, *, developer=None, org_id: str | None = None) -> PartnerApp:
    """A developer (new unless given) registers an app in their organisation (new unless given)."""
    if developer is None:
        developer = await sign_in(f"1370000{next(_phones):04d}", Role.DEVELOPER)
    if org_id is None:
        org = await gql(CREATE_ORG, {"name": "Partner Co"}, token=developer.access_token)
        org_id = org["data"]["createDeveloperOrg"]["id"]
    registered = await gql(REGISTER, {"org": org_id, "name": "Partner shop"}, token=developer.access_token)
    creds = registered["data"]["registerMiniApp"]
    actor = Actor(developer.user_id, frozenset({Role.DEVELOPER}))
    return PartnerApp(creds["app"]["appId"], creds["appSecret"], org_id, developer.access_token, actor, developer)


async def order_for(runtime, app_id: str, user_id: int, *, amount_fen: int, order_id: str,
                    description: str = "Coffee beans"):
    """The partner's server orders for this user (by their openid); the answer holds the prepay id."""
    identity = await runtime.openplatform.login.identity(app_id=app_id, user_id=user_id)
    return await runtime.openplatform.create_order(app_id=app_id, order_id=order_id, openid=identity.openid,
                                                   amount_fen=amount_fen, description=description)


async def pay_order(runtime, app_id: str, user_id: int, account_id: int, *, amount_fen: int, order_id: str,
                    description: str = "Coffee beans"):
    """An order made by the partner's server, paid by the user with their PIN."""
    from tests.ledger.support import paying_customer

    order = await order_for(runtime, app_id, user_id, amount_fen=amount_fen, order_id=order_id,
                            description=description)
    return await runtime.openplatform.pay(app_id=app_id, payer=await paying_customer(runtime, user_id),
                                          from_account_id=account_id, prepay_id=order.prepay_id)
