"""Campaigns, from a maker's draft to the end, with maker-checker approval.

    draft -submit-> submitted -approve(another operator)-> approved -schedule-> scheduled
    scheduled -(window opens: advance)-> live -pause-> paused -resume-> live
    scheduled | live | paused -end, or window closes-> ended;   submitted -reject-> draft

Every change is one conditional update on the current state (two operators approving at
once: one wins) plus a row in the audit trail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum

from tortoise.transactions import in_transaction

from infra.i18n import Text
from ledger.service import AccountKind, AccountNotFound, get_account
from miniprogram_host.service import app_exists
from marketing.errors import ErrorCode, MarketingError
from marketing.models import Campaign, CampaignTransition, Segment
from marketing.schedule import checked_cron

MAX_NAME, MAX_TITLE, MAX_BODY, MAX_URL = 64, 40, 200, 500
_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,15}$")


class State(str, Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    LIVE = "live"
    PAUSED = "paused"
    ENDED = "ended"


class PlacementKind(str, Enum):
    HOME_BANNER = "HOME_BANNER"
    POPUP = "POPUP"
    FEED_SLOT = "FEED_SLOT"
    INBOX = "INBOX"
    PUSH = "PUSH"


@dataclass(frozen=True, slots=True)
class Placement:
    kind: PlacementKind
    title: str
    body: str = ""
    image_url: str | None = None
    link: str | None = None

    def as_json(self) -> dict:
        return {"kind": self.kind.value, "title": self.title, "body": self.body, "imageUrl": self.image_url,
                "link": self.link}

    @classmethod
    def from_json(cls, raw: dict) -> Placement:
        return cls(PlacementKind(raw["kind"]), raw["title"], raw.get("body", ""), raw.get("imageUrl"), raw.get("link"))


@dataclass(frozen=True, slots=True)
class Variant:
    key: str
    weight: int  # percent of the customers outside the holdout
    title: str | None = None  # replaces the placements' title for this variant


@dataclass(frozen=True, slots=True)
class CampaignInput:
    name: str
    starts_at: datetime
    ends_at: datetime
    placements: list[Placement]
    segment_id: int | None = None
    cron: str | None = None
    occurrence_minutes: int | None = None
    variants: list[Variant] = field(default_factory=list)
    holdout_percent: int = 0
    cap_count: int | None = None
    cap_hours: int | None = None
    budget_fen: int = 0
    coupon_fen: int | None = None
    coupon_valid_days: int | None = None
    reward_fen: int | None = None
    budget_account_id: int | None = None
    stock: int = 0
    coupon_app_id: str | None = None  # coupons taken by this mini-program's payments, the discount from the budget account


def _text(value: str | None, *, most: int, name: str, required: bool = True) -> str:
    value = " ".join((value or "").split())
    if (required and not value) or len(value) > most:
        raise MarketingError(ErrorCode.INVALID_INPUT, Text("marketing.text_length", most=most), field=name)
    return value


def _url(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    if len(value) > MAX_URL or not re.match(r"^(https://|/)[^\s]*$", value):
        raise MarketingError(ErrorCode.INVALID_INPUT, Text("marketing.bad_url"), field=name)
    return value


def _int(value: int, name: str, low: int, high: int, code: ErrorCode = ErrorCode.INVALID_INPUT) -> int:
    if type(value) is not int or not low <= value <= high:
        raise MarketingError(code, Text("marketing.number_range", low=low, high=high), field=name)
    return value


async def checked(data: CampaignInput, *, now: datetime) -> dict:
    """The columns of a valid campaign; MarketingError naming the first bad field."""
    cols: dict = {"name": _text(data.name, most=MAX_NAME, name="name")}
    if data.starts_at.tzinfo is None or data.ends_at.tzinfo is None or data.starts_at >= data.ends_at:
        raise MarketingError(ErrorCode.INVALID_WINDOW, Text("marketing.window_order"), field="endsAt")
    if data.ends_at <= now:
        raise MarketingError(ErrorCode.WINDOW_IN_PAST, Text("marketing.window_in_past"), field="endsAt")
    cols |= {"starts_at": data.starts_at, "ends_at": data.ends_at}
    cols["cron"], cols["occurrence_minutes"] = checked_cron(data.cron, data.occurrence_minutes)
    if not 1 <= len(data.placements) <= 5:
        raise MarketingError(ErrorCode.INVALID_INPUT, Text("marketing.placements_count", most=5), field="placements")
    cols["placements"] = [
        Placement(p.kind, _text(p.title, most=MAX_TITLE, name=f"placements[{i}].title"),
                  _text(p.body, most=MAX_BODY, name=f"placements[{i}].body", required=False),
                  _url(p.image_url, f"placements[{i}].imageUrl"), _url(p.link, f"placements[{i}].link")).as_json()
        for i, p in enumerate(data.placements)
    ]
    variants = data.variants or [Variant("DEFAULT", 100)]
    if len(variants) > 5 or len({v.key for v in variants}) != len(variants) or not all(_KEY.match(v.key) for v in variants):
        raise MarketingError(ErrorCode.INVALID_INPUT, Text("marketing.variant_keys"), field="variants")
    if any(type(v.weight) is not int or v.weight < 0 for v in variants) or sum(v.weight for v in variants) != 100:
        raise MarketingError(ErrorCode.VARIANT_SPLIT, Text("marketing.variant_split"), field="variants")
    cols["variants"] = [{"key": v.key, "weight": v.weight,
                         "title": _text(v.title, most=MAX_TITLE, name=f"variants[{i}].title") if v.title else None}
                        for i, v in enumerate(variants)]
    cols["holdout_percent"] = _int(data.holdout_percent, "holdoutPercent", 0, 50)
    if (data.cap_count is None) != (data.cap_hours is None):
        raise MarketingError(ErrorCode.INVALID_INPUT, Text("marketing.cap_pair"), field="capHours")
    cols["cap_count"] = None if data.cap_count is None else _int(data.cap_count, "capCount", 1, 100)
    cols["cap_hours"] = None if data.cap_hours is None else _int(data.cap_hours, "capHours", 1, 24 * 30)
    if type(data.stock) is not int or data.stock < 0:
        raise MarketingError(ErrorCode.NEGATIVE_STOCK, Text("marketing.negative_stock"), field="stock")
    cols["stock"] = _int(data.stock, "stock", 0, 10_000_000, ErrorCode.NEGATIVE_STOCK)
    cols["budget_fen"] = _int(data.budget_fen, "budgetFen", 0, 10**12)
    cols["coupon_fen"], cols["coupon_valid_days"], cols["reward_fen"], cols["budget_account_id"] = None, None, None, None
    cols["coupon_app_id"] = None
    if data.reward_fen is not None:
        if data.coupon_fen is not None:
            raise MarketingError(ErrorCode.INVALID_INPUT, Text("marketing.coupon_or_reward"), field="rewardFen")
        cols["reward_fen"] = _int(data.reward_fen, "rewardFen", 1, 10**7)
        cols["budget_account_id"] = await _budget_account(data.budget_account_id)
    elif data.coupon_fen is not None or data.stock:
        cols["coupon_fen"] = _int(data.coupon_fen if data.coupon_fen is not None else 0, "couponFen", 1, 10**8)
        cols["coupon_valid_days"] = _int(data.coupon_valid_days or 0, "couponValidDays", 1, 366)
    if data.coupon_app_id is not None:
        if cols["coupon_fen"] is None:
            raise MarketingError(ErrorCode.INVALID_INPUT, Text("marketing.coupon_app_needs_coupons"), field="couponAppId")
        if len(data.coupon_app_id) > 32 or not await app_exists(data.coupon_app_id):
            raise MarketingError(ErrorCode.NOT_FOUND, Text("marketing.coupon_app_not_found"), field="couponAppId")
        cols["coupon_app_id"] = data.coupon_app_id
        cols["budget_account_id"] = await _budget_account(data.budget_account_id, Text("marketing.coupon_budget_account_needed"))
    if data.segment_id is not None and not await Segment.exists(id=data.segment_id):
        raise MarketingError(ErrorCode.NOT_FOUND, Text("marketing.segment_not_found"), field="segmentId")
    cols["segment_id"] = data.segment_id
    return cols


async def _budget_account(account_id: int | None, needed: Text | None = None) -> int:
    """A cash reward (a coupon's discount) is paid from an account of the bank's own (no customer's): it must exist."""
    needed = needed or Text("marketing.budget_account_needed")
    if account_id is None:
        raise MarketingError(ErrorCode.INVALID_INPUT, needed, field="budgetAccountId")
    try:
        account = await get_account(account_id=account_id)
    except AccountNotFound:
        raise MarketingError(ErrorCode.NOT_FOUND, needed, field="budgetAccountId") from None
    if account.owner_user_id is not None or account.kind not in (AccountKind.ENTERPRISE, AccountKind.FEES):
        raise MarketingError(ErrorCode.INVALID_INPUT, Text("marketing.budget_account_kind"), field="budgetAccountId")
    return account.id


async def create(*, by_user_id: int, data: CampaignInput, now: datetime | None = None) -> Campaign:
    cols = await checked(data, now=now or datetime.now(timezone.utc))
    async with in_transaction():
        row = await Campaign.create(created_by=by_user_id, state=State.DRAFT.value, **cols)
        await CampaignTransition.create(campaign=row, from_state=None, to_state=State.DRAFT.value,
                                        actor_user_id=by_user_id)
    return row


async def get(campaign_id: int) -> Campaign:
    row = await Campaign.get_or_none(id=campaign_id)
    if row is None:
        raise MarketingError(ErrorCode.NOT_FOUND, Text("marketing.campaign_not_found"), field="campaignId")
    return row


async def update(*, by_user_id: int, campaign_id: int, data: CampaignInput, now: datetime | None = None) -> Campaign:
    """Only the maker changes a draft."""
    row = await get(campaign_id)
    if row.created_by != by_user_id:
        raise MarketingError(ErrorCode.NOT_OWNER, Text("marketing.not_the_maker"), field="campaignId")
    cols = await checked(data, now=now or datetime.now(timezone.utc))
    changed = await Campaign.filter(id=row.id, state=State.DRAFT.value).update(**cols)
    if not changed:
        raise MarketingError(ErrorCode.WRONG_STATE, Text("marketing.wrong_state", state=row.state), field="campaignId")
    return await get(row.id)


async def _move(campaign_id: int, *, to: State, allowed: tuple[State, ...], actor: int | None, note: str = "",
                extra: dict | None = None) -> Campaign:
    row = await get(campaign_id)
    async with in_transaction():
        moved = await Campaign.filter(id=row.id, state__in=[s.value for s in allowed]).update(
            state=to.value, **(extra or {}))
        if not moved:
            current = await get(row.id)
            raise MarketingError(ErrorCode.WRONG_STATE, Text("marketing.wrong_state", state=current.state), field="campaignId")
        await CampaignTransition.create(campaign_id=row.id, from_state=row.state, to_state=to.value,
                                        actor_user_id=actor, note=note[:200])
    return await get(row.id)


async def submit(*, by_user_id: int, campaign_id: int) -> Campaign:
    row = await get(campaign_id)
    if row.created_by != by_user_id:
        raise MarketingError(ErrorCode.NOT_OWNER, Text("marketing.not_the_maker"), field="campaignId")
    return await _move(campaign_id, to=State.SUBMITTED, allowed=(State.DRAFT,), actor=by_user_id)


async def approve(*, by_user_id: int, campaign_id: int) -> Campaign:
    """The checker: any operator but the maker."""
    row = await get(campaign_id)
    if row.created_by == by_user_id:
        raise MarketingError(ErrorCode.SAME_MAKER_AND_CHECKER, Text("marketing.same_maker_and_checker"), field="campaignId")
    return await _move(campaign_id, to=State.APPROVED, allowed=(State.SUBMITTED,), actor=by_user_id,
                       extra={"approved_by": by_user_id})


async def reject(*, by_user_id: int, campaign_id: int, reason: str) -> Campaign:
    row = await get(campaign_id)
    if row.created_by == by_user_id:
        raise MarketingError(ErrorCode.SAME_MAKER_AND_CHECKER, Text("marketing.same_maker_and_checker"), field="campaignId")
    note = _text(reason, most=200, name="reason")
    return await _move(campaign_id, to=State.DRAFT, allowed=(State.SUBMITTED,), actor=by_user_id, note=note)


async def schedule(*, by_user_id: int, campaign_id: int, now: datetime | None = None) -> Campaign:
    row = await get(campaign_id)
    if (now or datetime.now(timezone.utc)) >= row.ends_at:
        raise MarketingError(ErrorCode.WINDOW_IN_PAST, Text("marketing.window_in_past"), field="campaignId")
    scheduled = await _move(campaign_id, to=State.SCHEDULED, allowed=(State.APPROVED,), actor=by_user_id)
    await advance(now=now)
    return await get(scheduled.id)


async def pause(*, by_user_id: int, campaign_id: int) -> Campaign:
    return await _move(campaign_id, to=State.PAUSED, allowed=(State.LIVE,), actor=by_user_id)


async def resume(*, by_user_id: int, campaign_id: int) -> Campaign:
    return await _move(campaign_id, to=State.LIVE, allowed=(State.PAUSED,), actor=by_user_id)


async def end(*, by_user_id: int, campaign_id: int) -> Campaign:
    return await _move(campaign_id, to=State.ENDED, allowed=(State.SCHEDULED, State.LIVE, State.PAUSED),
                       actor=by_user_id)


async def advance(*, now: datetime | None = None) -> int:
    """The scheduler's turn: scheduled campaigns whose window opened go live, closed ones end."""
    now = now or datetime.now(timezone.utc)
    changed = 0
    for row in await Campaign.filter(state=State.SCHEDULED.value, starts_at__lte=now, ends_at__gt=now):
        changed += await _quietly(row.id, State.LIVE, (State.SCHEDULED,))
    for row in await Campaign.filter(state__in=[s.value for s in (State.SCHEDULED, State.LIVE, State.PAUSED)],
                                     ends_at__lte=now):
        changed += await _quietly(row.id, State.ENDED, (State.SCHEDULED, State.LIVE, State.PAUSED))
    return changed


async def _quietly(campaign_id: int, to: State, allowed: tuple[State, ...]) -> int:
    try:
        await _move(campaign_id, to=to, allowed=allowed, actor=None, note="schedule")
    except MarketingError:  # another worker moved it first
        return 0
    return 1


async def history(campaign_id: int) -> list[CampaignTransition]:
    return await CampaignTransition.filter(campaign_id=campaign_id).order_by("id")


async def listing(*, states: list[State] | None = None) -> list[Campaign]:
    query = Campaign.all() if not states else Campaign.filter(state__in=[s.value for s in states])
    return await query.order_by("-id").limit(200)
