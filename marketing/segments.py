"""Segments: a rule, its preview count, its precomputed members, and a real-time check.

Membership is recomputed for the whole customer base page by page (on save and by
``refresh_all``, which the app runs every ``MARKETING_SEGMENT_REFRESH_SECONDS``); a check that
matters now (a coupon claim, a gray release) evaluates the rule on fresh facts and writes the
answer back, so the precomputed table catches up one customer at a time in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from identity.service import user_ids_page
from marketing.audience import Audience, matches
from infra.i18n import Text
from marketing.errors import ErrorCode, MarketingError
from marketing.models import Segment, SegmentMember
from marketing.rules import Rule, RuleSource, parse_rule, to_json

PAGE = 1000
MAX_NAME = 64


@dataclass(frozen=True, slots=True)
class SegmentView:
    id: int
    name: str
    rule: dict
    member_count: int
    refreshed_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, row: Segment) -> SegmentView:
        return cls(row.id, row.name, row.rule, row.member_count, row.refreshed_at, row.created_at)


def _name(name: str) -> str:
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= MAX_NAME:
        raise MarketingError(ErrorCode.INVALID_INPUT, Text("marketing.name_length", most=MAX_NAME), field="name")
    return name


async def _matching_users(audience: Audience, rule: Rule) -> list[int]:
    found: list[int] = []
    after = 0
    while page := await user_ids_page(after_id=after, limit=PAGE):
        found += [p.user_id for p in await audience.profiles(page, rule) if matches(rule, p)]
        after = page[-1]
    return found


async def preview(audience: Audience, *, rule: RuleSource) -> int:
    """How many customers the rule selects now, before anything is saved."""
    return len(await _matching_users(audience, parse_rule(rule)))


async def create(audience: Audience, *, by_user_id: int, name: str, rule: RuleSource) -> SegmentView:
    parsed = parse_rule(rule)
    row = await Segment.create(name=_name(name), rule=to_json(parsed), created_by=by_user_id)
    return await refresh(audience, segment_id=row.id)


async def get(segment_id: int) -> Segment:
    row = await Segment.get_or_none(id=segment_id)
    if row is None:
        raise MarketingError(ErrorCode.NOT_FOUND, Text("marketing.segment_not_found"), field="segmentId")
    return row


async def refresh(audience: Audience, *, segment_id: int) -> SegmentView:
    """Recompute the members; readers see the old set or the new one, never half of each."""
    row = await get(segment_id)
    members = await _matching_users(audience, parse_rule(row.rule))
    async with in_transaction():
        await SegmentMember.filter(segment_id=row.id).delete()
        await SegmentMember.bulk_create([SegmentMember(segment_id=row.id, user_id=u) for u in members], batch_size=1000)
        row.member_count, row.refreshed_at = len(members), datetime.now(timezone.utc)
        await row.save(update_fields=["member_count", "refreshed_at", "updated_at"])
    return SegmentView.of(row)


async def refresh_all(audience: Audience) -> int:
    ids = await Segment.all().order_by("id").values_list("id", flat=True)
    for segment_id in ids:
        await refresh(audience, segment_id=segment_id)
    return len(ids)


async def check(audience: Audience, *, segment_id: int, user_id: int) -> bool:
    """Whether the customer is in the segment on today's facts; the stored membership follows."""
    row = await get(segment_id)
    rule = parse_rule(row.rule)
    [profile] = await audience.profiles([user_id], rule)
    member = matches(rule, profile)
    if member:
        _, created = await SegmentMember.get_or_create(segment_id=row.id, user_id=user_id)
        if created:
            await Segment.filter(id=row.id).update(member_count=F("member_count") + 1)
    elif await SegmentMember.filter(segment_id=row.id, user_id=user_id).delete():
        await Segment.filter(id=row.id).update(member_count=F("member_count") - 1)
    return member


async def segments_of(*, user_id: int, among: list[int] | None = None) -> frozenset[int]:
    """The precomputed segments a customer is in (of ``among``): one query."""
    query = SegmentMember.filter(user_id=user_id)
    if among is not None:
        if not among:
            return frozenset()
        query = query.filter(segment_id__in=among)
    return frozenset(await query.values_list("segment_id", flat=True))


async def existing(segment_ids: list[int]) -> frozenset[int]:
    return frozenset(await Segment.filter(id__in=segment_ids).values_list("id", flat=True)) if segment_ids else frozenset()


async def listing() -> list[SegmentView]:
    return [SegmentView.of(r) for r in await Segment.all().order_by("-id").limit(200)]
