"""The app under the home benchmark: the real BFF, plus ``/plain/home`` returning the same data
as the GraphQL ``home`` query from the same services, as plain JSON (the ratio's baseline)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from infra.settings import Settings
from ledger.service import AccountKind, AccountStatus, accounts_of
from marketing.service import with_feed_slots
from superapp.app import create_app

KINDS = frozenset({"HOME_BANNER", "POPUP", "FEED_SLOT"})


async def plain_home(request: Request) -> JSONResponse:
    runtime = request.app.state.runtime
    principal = await runtime.identity.authenticate(request.headers["authorization"].removeprefix("Bearer "))
    user_id = principal.user_id
    grid = await runtime.miniprograms.grid(user_id=user_id, platform="ios", client_version="5.2.0")
    shown = await runtime.marketing.shown_to(user_id=user_id, kinds=KINDS)
    page = await runtime.content.feed_page(user_id=user_id, first=10, after=None)
    unread = await runtime.openplatform.unread_count(user_id=user_id)
    accounts = [a for a in await accounts_of(owner_user_id=user_id) if a.status is not AccountStatus.CLOSED]
    placements = [{"campaignId": str(s.campaign_id), "variant": s.variant, "kind": s.kind, "title": s.title,
                   "body": s.body, "imageUrl": s.image_url, "link": s.link} for s in shown]
    return JSONResponse({"data": {"home": {
        "grid": [{"appId": g.profile.app_id, "name": g.profile.name, "iconUrl": g.profile.icon_url,
                  "version": g.version, "channel": g.channel} for g in grid],
        "banners": [p for p in placements if p["kind"] == "HOME_BANNER"],
        "popup": next((p for p in placements if p["kind"] == "POPUP"), None),
        "feed": _feed(page, [p for p in placements if p["kind"] == "FEED_SLOT"]),
        "unreadCount": unread,
        "accountSummary": {"classTwoBalance": sum(a.balance for a in accounts if a.kind is AccountKind.CLASS_TWO),
                           "accounts": [{"id": str(a.id), "kind": a.kind.value, "balance": a.balance}
                                        for a in accounts]},
    }}})


def _feed(page, promotions: list[dict]) -> dict:
    items = [{"id": str(e.id), "kind": e.kind.value, "title": e.title, "summary": e.summary} for e in page.items]
    return {"items": items, "entries": with_feed_slots(items, promotions), "promotions": promotions,
            "endCursor": page.end_cursor, "hasNextPage": page.has_next_page}


def create_bench_app():
    app = create_app(Settings.from_env())
    app.router.routes.insert(0, Route("/plain/home", plain_home, methods=["GET", "POST"]))
    return app
