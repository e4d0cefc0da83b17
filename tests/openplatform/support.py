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
