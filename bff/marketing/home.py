"""The super-app home in one round trip: grid, banners and pop-up, feed slot, unread count,
account summary. Each part is a fixed number of SQL statements and Redis calls, pinned by
tests/marketing/test_home.py.

The feed slot carries the campaigns' FEED_SLOT placements; its content items come with the
content domain (issue 16), until then ``feed.ready`` is false and ``feed.items`` empty.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from bff.context import Info
from bff.errors import InvalidInput
from bff.ledger.types import AccountKind, Fen
from bff.marketing.types import CampaignPlacementKind
from bff.miniprogram.types import ClientPlatform
from bff.permissions import requires
from identity.roles import Role
from infra.i18n import t
from ledger.service import AccountKind as DomainAccountKind, AccountStatus, accounts_of
from marketing.service import PlacementKind, Shown
from miniprogram_host.semver import is_semver

_SHOWN_ON_HOME = frozenset({PlacementKind.HOME_BANNER.value, PlacementKind.POPUP.value, PlacementKind.FEED_SLOT.value})


@strawberry.type(description="A mini-program in your grid, in the version you get.")
class HomeMiniProgram:
    app_id: str
    name: str
    category: str
    icon_url: str | None
    version: str
    channel: str = strawberry.field(description="live, or gray when you are in its gray release.")


@strawberry.type(description="A live campaign's placement shown to you.")
class HomePlacement:
    campaign_id: strawberry.ID
    variant: str
    kind: CampaignPlacementKind
    title: str
    body: str
    image_url: str | None
    link: str | None

    @classmethod
    def of(cls, s: Shown) -> HomePlacement:
        return cls(campaign_id=strawberry.ID(str(s.campaign_id)), variant=s.variant, kind=PlacementKind(s.kind),
                   title=s.title, body=s.body, image_url=s.image_url, link=s.link)


@strawberry.type(description="A content item of the feed (the content domain fills it).")
class HomeFeedItem:
    id: strawberry.ID
    title: str


@strawberry.type(description="The first feed page: campaigns' feed slots now; content items once content is there.")
class HomeFeed:
    ready: bool = strawberry.field(description="False until the content feed is available: `items` is then empty.")
    items: list[HomeFeedItem]
    promotions: list[HomePlacement]


@strawberry.type
class HomeAccount:
    id: strawberry.ID
    kind: AccountKind
    balance: Fen


@strawberry.type
class AccountSummary:
    class_two_balance: Fen = strawberry.field(description="What your Class II accounts hold, in fen.")
    accounts: list[HomeAccount]


@strawberry.type(description="Everything the home screen shows, in one query.")
class Home:
    grid: list[HomeMiniProgram]
    banners: list[HomePlacement]
    popup: HomePlacement | None
    feed: HomeFeed
    unread_count: int
    account_summary: AccountSummary


HomeResult = Annotated[Home | InvalidInput, strawberry.union("HomeResult")]


@strawberry.type
class HomeQuery:
    @strawberry.field(extensions=requires(Role.CUSTOMER), description="The super-app home for this client.")
    async def home(self, info: Info, platform: ClientPlatform, client_version: str) -> HomeResult:
        if not is_semver(client_version):
            return InvalidInput(message=t("miniprogram_host.client_version_invalid"), field="clientVersion")
        runtime, user_id = info.context.runtime, info.context.principal.user_id
        grid = await runtime.miniprograms.grid(user_id=user_id, platform=platform.value, client_version=client_version)
        shown = await runtime.marketing.shown_to(user_id=user_id, kinds=_SHOWN_ON_HOME)
        unread = await runtime.openplatform.unread_count(user_id=user_id)
        accounts = [a for a in await accounts_of(owner_user_id=user_id) if a.status is not AccountStatus.CLOSED]
        by_kind = {kind: [HomePlacement.of(s) for s in shown if s.kind == kind.value] for kind in PlacementKind}
        return Home(
            grid=[HomeMiniProgram(app_id=g.profile.app_id, name=g.profile.name, category=g.profile.category,
                                  icon_url=g.profile.icon_url, version=g.version, channel=g.channel) for g in grid],
            banners=by_kind[PlacementKind.HOME_BANNER],
            popup=next(iter(by_kind[PlacementKind.POPUP]), None),
            feed=HomeFeed(ready=False, items=[], promotions=by_kind[PlacementKind.FEED_SLOT]),
            unread_count=unread,
            account_summary=AccountSummary(
                class_two_balance=sum(a.balance for a in accounts if a.kind is DomainAccountKind.CLASS_TWO),
                accounts=[HomeAccount(id=strawberry.ID(str(a.id)), kind=a.kind, balance=a.balance) for a in accounts],
            ),
        )
