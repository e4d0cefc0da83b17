"""The super-app home in one round trip: grid, banners and pop-up, feed slot, unread count,
account summary. Each part is a fixed number of SQL statements and Redis calls, pinned by
tests/marketing/test_home.py.

The feed is content's first page (``content.service``: ranked, diversified, a cursor for the
next page) with the campaigns' FEED_SLOT placements among its items (``marketing.service``).
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from bff.content.types import ContentItem
from bff.context import Info
from bff.errors import InvalidInput
from bff.ledger.types import AccountKind, Fen
from bff.marketing.types import CampaignPlacementKind
from bff.miniprogram.types import ClientPlatform
from bff.permissions import requires
from identity.roles import Role
from infra.i18n import t
from ledger.service import AccountKind as DomainAccountKind, AccountStatus, accounts_of
from marketing.service import PlacementKind, Shown, with_feed_slots
from miniprogram_host.semver import is_semver

HOME_FEED_PAGE = 10  # the first page's size; the client asks `feed(after: endCursor)` for more
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


HomeFeedEntry = Annotated[ContentItem | HomePlacement, strawberry.union(
    "HomeFeedEntry", description="A content item of the feed, or a campaign's feed slot among them.")]


@strawberry.type(description="The first feed page: content ranked for you, campaigns' feed slots among it.")
class HomeFeed:
    items: list[ContentItem] = strawberry.field(description="Content's first page, without the promotions.")
    entries: list[HomeFeedEntry] = strawberry.field(
        description="The page as shown: the items with a feed-slot promotion after every few of them.")
    promotions: list[HomePlacement] = strawberry.field(description="The campaigns' feed slots alone.")
    end_cursor: str | None = strawberry.field(description="Pass as `feed(after:)` for the next page.")
    has_next_page: bool
    ready: bool = strawberry.field(default=True, deprecation_reason="Always true: the feed is content's now.")


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
        page = await runtime.content.feed_page(user_id=user_id, first=HOME_FEED_PAGE, after=None)
        unread = await runtime.openplatform.unread_count(user_id=user_id)
        accounts = [a for a in await accounts_of(owner_user_id=user_id) if a.status is not AccountStatus.CLOSED]
        by_kind = {kind: [HomePlacement.of(s) for s in shown if s.kind == kind.value] for kind in PlacementKind}
        return Home(
            grid=[HomeMiniProgram(app_id=g.profile.app_id, name=g.profile.name, category=g.profile.category,
                                  icon_url=g.profile.icon_url, version=g.version, channel=g.channel) for g in grid],
            banners=by_kind[PlacementKind.HOME_BANNER],
            popup=next(iter(by_kind[PlacementKind.POPUP]), None),
            feed=_feed(page.items, by_kind[PlacementKind.FEED_SLOT], page.end_cursor, page.has_next_page),
            unread_count=unread,
            account_summary=AccountSummary(
                class_two_balance=sum(a.balance for a in accounts if a.kind is DomainAccountKind.CLASS_TWO),
                accounts=[HomeAccount(id=strawberry.ID(str(a.id)), kind=a.kind, balance=a.balance) for a in accounts],
            ),
        )


def _feed(entries: list, promotions: list[HomePlacement], end_cursor: str | None, has_next_page: bool) -> HomeFeed:
    items = [ContentItem.of(e) for e in entries]
    return HomeFeed(items=items, entries=with_feed_slots(items, promotions), promotions=promotions,
                    end_cursor=end_cursor, has_next_page=has_next_page)
