"""Operators write items; reviewers check them: draft -> in_review -> approved -> scheduled ->
published -> withdrawn, with maker-checker (the author never approves their own item) and a
reason on every refusal and withdrawal, each step kept in ``content_review_step``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from audit import service as audit_log
from content.audience import AudienceSegments
from content.errors import ContentError, ContentErrorCode, invalid
from content.models import (
    ContentImage, ContentItem, ContentKind, LiveStatus, ProductKind, ReviewState, ReviewStep,
)
from content.richtext import sanitise
from infra.i18n import Text

_TOPIC = re.compile(r"[a-z0-9_\-\u4e00-\u9fff]{1,32}")
_PRODUCT_CODE = re.compile(r"[A-Z0-9]{1,32}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_BODY_CHARS = 100_000
MAX_TOPICS, MAX_TAGS = 5, 10
MAX_REASON = 500

# from which states each move may start
_MOVES: dict[str, tuple[tuple[ReviewState, ...], ReviewState]] = {
    "submit": ((ReviewState.DRAFT,), ReviewState.IN_REVIEW),
    "approve": ((ReviewState.IN_REVIEW,), ReviewState.APPROVED),
    "reject": ((ReviewState.IN_REVIEW,), ReviewState.DRAFT),
    "schedule": ((ReviewState.APPROVED,), ReviewState.SCHEDULED),
    "publish": ((ReviewState.SCHEDULED,), ReviewState.PUBLISHED),
    "withdraw": ((ReviewState.APPROVED, ReviewState.SCHEDULED, ReviewState.PUBLISHED), ReviewState.WITHDRAWN),
}


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True, slots=True)
class Draft:
    """What an operator writes; the fields of the item's kind are required, the others ignored."""

    kind: ContentKind
    title: str
    topics: tuple[str, ...]
    tags: tuple[str, ...] = ()
    summary: str = ""
    body_html: str | None = None
    cover_image_id: int | None = None
    video_url: str | None = None
    duration_seconds: int | None = None
    live_starts_at: datetime | None = None
    live_ends_at: datetime | None = None
    stream_url: str | None = None
    product_code: str | None = None
    product_kind: ProductKind | None = None
    risk_level: int | None = None
    audience_segment_id: int | None = None  # a marketing segment: only its members see the item
    pinned_rank: int | None = None
    extra: dict = field(default_factory=dict)


def _text(value: str, name: str, most: int, *, required: bool = True) -> str:
    value = value.strip()
    if (required and not value) or len(value) > most or _CONTROL.search(value):
        raise invalid(name, Text("content.text_length", most=most))
    return value


def _https(value: str | None, name: str) -> str:
    if not value or len(value) > 512 or not value.startswith("https://") or _CONTROL.search(value) or " " in value:
        raise invalid(name, Text("content.https_url"))
    return value


def _labels(values: tuple[str, ...], name: str, most: int, *, at_least: int) -> list[str]:
    labels = list(dict.fromkeys(v.strip().lower() for v in values))
    if not at_least <= len(labels) <= most or not all(_TOPIC.fullmatch(v) for v in labels):
        raise invalid(name, Text("content.labels", least=at_least, most=most))
    return labels


async def _checked(draft: Draft, owner_id: int, segments: AudienceSegments) -> dict:
    values: dict = {
        "kind": draft.kind, "title": _text(draft.title, "title", 120),
        "summary": _text(draft.summary, "summary", 300, required=False),
        "topics": _labels(draft.topics, "topics", MAX_TOPICS, at_least=1),
        "tags": _labels(draft.tags, "tags", MAX_TAGS, at_least=0),
        "audience_segment_id": draft.audience_segment_id, "pinned_rank": draft.pinned_rank,
    }
    segment = draft.audience_segment_id
    if segment is not None and (segment < 1 or segment not in await segments.known([segment])):
        raise ContentError(ContentErrorCode.UNKNOWN_SEGMENT, Text("content.unknown_segment"),
                           field="audienceSegmentId")
    if draft.pinned_rank is not None and not 1 <= draft.pinned_rank <= 20:
        raise invalid("pinnedRank", Text("content.pinned_rank"))
    if draft.cover_image_id is not None:
        if not await ContentImage.filter(id=draft.cover_image_id, owner_id=owner_id).exists():
            raise ContentError(ContentErrorCode.NOT_FOUND, Text("content.image_not_found"), field="coverImageId")
        values["cover_id"] = draft.cover_image_id
    if draft.kind is ContentKind.ARTICLE:
        if not draft.body_html or len(draft.body_html) > MAX_BODY_CHARS:
            raise invalid("bodyHtml", Text("content.text_length", most=MAX_BODY_CHARS))
        values["body_html"] = sanitise(draft.body_html)
    elif draft.kind is ContentKind.SHORT_VIDEO:
        values["video_url"] = _https(draft.video_url, "videoUrl")
        if draft.duration_seconds is None or not 1 <= draft.duration_seconds <= 3600:
            raise invalid("durationSeconds", Text("content.duration"))
        values["duration_seconds"] = draft.duration_seconds
    elif draft.kind is ContentKind.LIVE_STREAM:
        starts, ends = draft.live_starts_at, draft.live_ends_at
        if starts is None or starts.tzinfo is None:
            raise invalid("liveStartsAt", Text("content.live_schedule"))
        if ends is not None and (ends.tzinfo is None or ends <= starts):
            raise invalid("liveEndsAt", Text("content.live_schedule"))
        values.update(live_starts_at=starts, live_ends_at=ends, live_status=LiveStatus.SCHEDULED,
                      stream_url=_https(draft.stream_url, "streamUrl"))
    elif draft.kind is ContentKind.PRODUCT_CARD:
        if not draft.product_code or not _PRODUCT_CODE.fullmatch(draft.product_code):
            raise invalid("productCode", Text("content.product_code"))
        if draft.product_kind is None:
            raise invalid("productKind", Text("content.product_kind"))
        if draft.risk_level is None or not 1 <= draft.risk_level <= 5:
            raise invalid("riskLevel", Text("content.risk_level"))
        values.update(product_code=draft.product_code, product_kind=draft.product_kind, risk_level=draft.risk_level)
    return values


async def create(*, author_id: int, draft: Draft, segments: AudienceSegments) -> ContentItem:
    values = await _checked(draft, author_id, segments)
    return await ContentItem.create(author_id=author_id, updated_ms=now_ms(), **values)


async def revise(*, item_id: int, by: int, draft: Draft, segments: AudienceSegments) -> ContentItem:
    """The author edits their own draft (a rejected item comes back as one)."""
    async with in_transaction():
        item = await _locked(item_id)
        _own(item, by)
        if item.state is not ReviewState.DRAFT or draft.kind is not item.kind:
            raise ContentError(ContentErrorCode.WRONG_STATE, Text("content.wrong_state", state=item.state.value))
        for name, value in (await _checked(draft, by, segments)).items():
            setattr(item, name, value)
        item.updated_ms = now_ms()
        await item.save()
    return item


async def _locked(item_id: int) -> ContentItem:
    item = await ContentItem.filter(id=item_id).select_for_update().first()
    if item is None:
        raise ContentError(ContentErrorCode.NOT_FOUND, Text("content.item_not_found"), field="id")
    return item


def _own(item: ContentItem, by: int) -> None:
    if item.author_id != by:
        raise ContentError(ContentErrorCode.NOT_YOURS, Text("content.not_your_item"), field="id")


def _reason(reason: str | None, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ContentError(ContentErrorCode.REASON_REQUIRED, Text("content.reason_required"), field="reason")
    if len(reason) > MAX_REASON or _CONTROL.search(reason):
        raise invalid("reason", Text("content.text_length", most=MAX_REASON))
    return reason


async def _step(item: ContentItem, move: str, by: int, reason: str) -> None:
    """One move, kept in the review trail and in the tamper-evident audit log, in the caller's transaction."""
    starts, to = _MOVES[move]
    if item.state not in starts:
        raise ContentError(ContentErrorCode.WRONG_STATE, Text("content.wrong_state", state=item.state.value))
    await ReviewStep.create(item_id=item.id, from_state=item.state, to_state=to, actor_id=by, reason=reason)
    await audit_log.record(actor=f"user:{by}", action=f"content.{move}", subject=f"content_item:{item.id}",
                           detail={"from": item.state.value, "to": to.value, "reason": reason})
    item.state = to
    item.updated_ms = now_ms()
    if to is ReviewState.PUBLISHED:
        item.published_ms = item.updated_ms


async def move(*, item_id: int, move: str, by: int, reason: str | None = None) -> ContentItem:
    """submit (the author), approve / reject (a reviewer who is not the author), withdraw."""
    async with in_transaction():
        item = await _locked(item_id)
        if move == "submit":
            _own(item, by)
        if move in ("approve", "reject") and item.author_id == by:
            raise ContentError(ContentErrorCode.OWN_ITEM, Text("content.own_item"), field="id")
        await _step(item, move, by, _reason(reason, required=move in ("reject", "withdraw")))
        await item.save()
    return item


async def schedule(*, item_id: int, by: int, publish_from: datetime, publish_until: datetime | None,
                   now: datetime | None = None) -> ContentItem:
    """Give an approved item its window; one whose window has opened is published at once."""
    now = now or datetime.now(UTC)
    if publish_from.tzinfo is None:
        raise invalid("publishFrom", Text("content.window"))
    if publish_until is not None and (publish_until.tzinfo is None or publish_until <= max(publish_from, now)):
        raise invalid("publishUntil", Text("content.window"))
    async with in_transaction():
        item = await _locked(item_id)
        await _step(item, "schedule", by, "")
        item.publish_from, item.publish_until = publish_from, publish_until
        if publish_from <= now:
            await _step(item, "publish", by, "")
        await item.save()
    return item


async def release_due(*, now: datetime | None = None) -> int:
    """Publish the scheduled items whose window has opened; the number published."""
    now = now or datetime.now(UTC)
    released = 0
    for item_id in await ContentItem.filter(state=ReviewState.SCHEDULED, publish_from__lte=now).values_list("id", flat=True):
        async with in_transaction():
            item = await _locked(item_id)
            if item.state is ReviewState.SCHEDULED:
                await _step(item, "publish", item.author_id, "")
                await item.save()
                released += 1
    return released


async def set_live_status(*, item_id: int, status: LiveStatus) -> ContentItem:
    async with in_transaction():
        item = await _locked(item_id)
        order = [LiveStatus.SCHEDULED, LiveStatus.LIVE, LiveStatus.ENDED]
        if item.kind is not ContentKind.LIVE_STREAM or order.index(status) <= order.index(item.live_status):
            raise ContentError(ContentErrorCode.WRONG_STATE, Text("content.live_status",
                                                                  status=(item.live_status or "").__str__()))
        item.live_status = status
        item.updated_ms = now_ms()
        await item.save()
    return item
