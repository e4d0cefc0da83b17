"""The content domain's face: authoring and review, images, reactions, profiles and feeds.

Other packages import only this module. Roles are the transport's to check (operators
author, reviewers review); ownership and maker-checker are checked here.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import dataclasses
import logging
import secrets
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
import redis.asyncio as aioredis
from tortoise.transactions import in_transaction

from content import authoring, feed, images, signals, suitability
from content.audience import AudienceSegments, NoAudienceSegments
from content.authoring import Draft
from content.catalogue import Catalogue, Entry
from content.config import ContentConfig
from content.errors import ContentError, ContentErrorCode, RiskAnswerError, invalid
from content.models import (
    ConsumerCursor, ContentImage, ContentItem, ContentKind, FollowedTopic, ImageRendition, LiveStatus, ProductKind,
    ReviewState, ReviewStep, SeenItem,
)
from content.images import pick_density
from content.profile import Action, Signal, apply
from content.suitability import Assessment, Question, RiskAnswer
from infra.i18n import Text
from infra.pubsub import EventBroker
from tracking.service import TrackingService

__all__ = [
    "Action", "Assessment", "AudienceSegments", "ContentConfig", "ContentError", "ContentErrorCode", "ContentImage",
    "ContentItem", "ContentKind", "ContentService", "Draft", "Entry", "FeedPage", "LiveStatus", "ProductKind",
    "Question", "ReviewState", "ReviewStep", "RiskAnswer", "RiskAnswerError", "RiskQuestionnaire", "live_topic",
    "MAX_PAGE", "pick_density",
]
log = logging.getLogger("content")
MAX_PAGE = 50
MAX_PAGES = 50  # a feed session serves at most this many pages
_CURSOR = "profile"
_REACTIONS = {Action.LIKE, Action.SHARE, Action.NOT_INTERESTED}


def live_topic(item_id: int) -> str:
    return f"content.live.{item_id}"


@dataclass(frozen=True, slots=True)
class RiskQuestionnaire:
    """The current risk questionnaire: answer every question with an option's number."""

    version: str
    questions: tuple[Question, ...]
    valid_for: timedelta  # how long an assessment holds


@dataclass(frozen=True, slots=True)
class FeedPage:
    items: list[Entry]  # cards from the catalogue: every field of an item but an article's body
    end_cursor: str | None
    has_next_page: bool


@dataclass(slots=True)
class FeedSession:
    """What a cursor stands for, kept in Redis: whose feed, its snapshot moment, the pages served."""

    user: int
    snapshot: int  # ms: items published later stay out of this feed
    pages: list[list[int]]

    def to_json(self) -> bytes:
        return orjson.dumps({"user": self.user, "snapshot": self.snapshot, "pages": self.pages})

    @classmethod
    def from_json(cls, raw: bytes | str) -> FeedSession:
        state = orjson.loads(raw)
        return cls(int(state["user"]), int(state["snapshot"]), [[int(i) for i in page] for page in state["pages"]])


class ContentService:
    def __init__(self, *, config: ContentConfig, redis: aioredis.Redis, broker: EventBroker,
                 tracking: TrackingService, segments: AudienceSegments | None = None) -> None:
        """``segments``: who is in which audience segment (marketing's lookup); without it none exists."""
        self.config = config
        self.redis = redis
        self.broker = broker
        self.tracking = tracking
        self.segments: AudienceSegments = segments or NoAudienceSegments()
        self.catalogue = Catalogue(refresh_seconds=config.catalogue_refresh_ms / 1000)
        self.weights = feed.load_weights()
        self._cursor_exists = False

    async def close(self) -> None:
        await self.catalogue.close()

    # authoring and review -------------------------------------------------------------

    async def create_item(self, *, author_id: int, draft: Draft) -> ContentItem:
        return await authoring.create(author_id=author_id, draft=draft, segments=self.segments)

    async def revise_item(self, *, item_id: int, by: int, draft: Draft) -> ContentItem:
        return await authoring.revise(item_id=item_id, by=by, draft=draft, segments=self.segments)

    async def review(self, *, item_id: int, move: str, by: int, reason: str | None = None) -> ContentItem:
        """``move``: submit, approve, reject or withdraw."""
        item = await authoring.move(item_id=item_id, move=move, by=by, reason=reason)
        self.catalogue.invalidate()
        return item

    async def schedule(self, *, item_id: int, by: int, publish_from: datetime,
                       publish_until: datetime | None) -> ContentItem:
        item = await authoring.schedule(item_id=item_id, by=by, publish_from=publish_from, publish_until=publish_until)
        self.catalogue.invalidate()
        return item

    async def release_due(self) -> int:
        released = await authoring.release_due()
        if released:
            self.catalogue.invalidate()
        return released

    async def set_live_status(self, *, item_id: int, status: LiveStatus) -> ContentItem:
        item = await authoring.set_live_status(item_id=item_id, status=status)
        await self.broker.publish(live_topic(item_id), {"id": item_id, "status": status.value})
        return item

    async def review_steps(self, *, item_id: int) -> list[ReviewStep]:
        return await ReviewStep.filter(item_id=item_id).order_by("id")

    async def items_in_state(self, *, state: ReviewState, limit: int) -> list[ContentItem]:
        return await ContentItem.filter(state=state).order_by("-id").limit(limit)

    async def operator_item(self, *, item_id: int) -> ContentItem | None:
        return await ContentItem.get_or_none(id=item_id)

    # images -------------------------------------------------------------------------

    async def upload_image(self, *, owner_id: int, raw: bytes) -> ContentImage:
        processed = await asyncio.to_thread(images.process, raw)  # Pillow holds the GIL less than it works
        async with in_transaction():
            image = await ContentImage.create(owner_id=owner_id, sha256=processed.sha256, width=processed.width,
                                              height=processed.height)
            await ImageRendition.bulk_create([
                ImageRendition(image_id=image.id, density=r.density, format=r.format, width=r.width, height=r.height,
                               data=r.data) for r in processed.renditions
            ])
        return image

    async def renditions(self, *, image_ids: Sequence[int]) -> list[ImageRendition]:
        """Every rendition of the images, without their bytes."""
        return await ImageRendition.filter(image_id__in=list(image_ids)).only(
            "id", "image_id", "density", "format", "width", "height")

    async def rendition_bytes(self, *, image_id: int, density: int, format: str) -> bytes | None:
        row = await ImageRendition.filter(image_id=image_id, density=density, format=format).only("data").first()
        return None if row is None else bytes(row.data)

    # what customers read and do ----------------------------------------------------

    async def item_for(self, *, user_id: int, item_id: int) -> ContentItem | None:
        """A published item as this customer may see it; None if it is not (yet), or not for them."""
        cat = await self.catalogue.current()
        entry = cat.items.get(item_id)
        targeted = [entry.audience_segment_id] if entry is not None and entry.audience_segment_id is not None else []
        viewer = await self._viewer(user_id, feed.now(), targeted=targeted)
        if entry is None or not feed.visible(entry, viewer, feed.now(), feed.now()):
            return None
        return await ContentItem.get_or_none(id=item_id, state=ReviewState.PUBLISHED)

    async def items(self, *, item_ids: Sequence[int]) -> dict[int, ContentItem]:
        return {i.id: i for i in await ContentItem.filter(id__in=list(item_ids))}

    async def bodies(self, *, item_ids: Sequence[int]) -> dict[int, str | None]:
        """Articles' rich text, for cards that do not carry it."""
        rows = await ContentItem.filter(id__in=list(item_ids)).values_list("id", "body_html")
        return dict(rows)

    async def likes(self, *, item_ids: Sequence[int]) -> dict[int, int]:
        rows = await SeenItem.filter(item_id__in=list(item_ids), liked=True).values("item_id")
        counts: dict[int, int] = {}
        for row in rows:
            counts[int(row["item_id"])] = counts.get(int(row["item_id"]), 0) + 1
        return counts

    async def react(self, *, user_id: int, item_id: int, action: Action) -> ContentItem:
        """Like, share or not interested, from the customer's own token: it shapes their profile at once."""
        if action not in _REACTIONS:
            raise invalid("action", Text("content.reaction"))
        item = await self.item_for(user_id=user_id, item_id=item_id)
        if item is None:
            raise ContentError(ContentErrorCode.NOT_FOUND, Text("content.item_not_found"), field="id")
        await apply([Signal(user_id, item_id, action, feed.now())])
        return item

    async def follow_topics(self, *, user_id: int, topics: Sequence[str]) -> list[str]:
        """The onboarding choice (or a later one): replaces the topics followed."""
        chosen = authoring._labels(tuple(topics), "topics", 10, at_least=0)
        async with in_transaction():
            await FollowedTopic.filter(user_id=user_id).delete()
            await FollowedTopic.bulk_create([FollowedTopic(user_id=user_id, topic=t) for t in chosen])
        return chosen

    async def profile_of(self, *, user_id: int) -> dict[str, float]:
        """The customer's interest weights as they are now (decayed)."""
        viewer = await feed.load_viewer(user_id, now_ms=feed.now())
        return viewer.weights

    async def _viewer(self, user_id: int, now: int, *, targeted: list[int]) -> feed.Viewer:
        """The viewer, with which of the ``targeted`` segments they are in: one lookup for them all."""
        viewer = await feed.load_viewer(user_id, now_ms=now)
        if not targeted:
            return viewer
        return dataclasses.replace(viewer, segments=await self.segments.member_of(user_id=user_id,
                                                                                   segment_ids=targeted))

    # suitability ----------------------------------------------------------------------

    def risk_questionnaire(self) -> RiskQuestionnaire:
        return RiskQuestionnaire(suitability.VERSION, suitability.QUESTIONS, suitability.VALID_FOR)

    async def submit_risk_questionnaire(self, *, user_id: int, version: str, answers: Sequence[RiskAnswer],
                                        now: datetime | None = None) -> Assessment:
        """The customer's own answers, scored into C1..C5; a refusal names the question at fault."""
        return await suitability.submit(user_id=user_id, version=version, answers=answers, now=now)

    async def risk_assessment(self, *, user_id: int) -> Assessment | None:
        """The customer's assessment while it holds; None: unassessed (R1 products only)."""
        return await suitability.current(user_id=user_id)

    # feeds ----------------------------------------------------------------------------

    def _session_key(self, session: str) -> str:
        return f"{self.config.namespace}:content:feed:{session}"

    async def feed_page(self, *, user_id: int, first: int, after: str | None) -> FeedPage:
        """A page of the customer's feed. A cursor keeps to the items published before its first
        page, so publishing never shifts it, while each later page is ranked on the profile as it
        is now; asking for the same page again returns it unchanged."""
        if not 1 <= first <= MAX_PAGE:
            raise invalid("first", Text("content.page_size", most=MAX_PAGE))
        now = feed.now()
        if after is None:
            session, index, state = secrets.token_urlsafe(12), 0, FeedSession(user_id, now, [])
        else:
            session, index = _parse_cursor(after)
            raw = await self.redis.get(self._session_key(session))
            found = FeedSession.from_json(raw) if raw else None
            if found is None or found.user != user_id or index > len(found.pages) or index >= MAX_PAGES:
                raise ContentError(ContentErrorCode.BAD_CURSOR, Text("content.bad_cursor"), field="after")
            state = found
        pages = state.pages
        if index < len(pages):  # a retried page: the same items again
            ids, more = pages[index], index + 1 < len(pages) or bool(pages[index])
        else:
            ids, more = await self._next_page(user_id, first, state.snapshot, pages, now)
            pages.append(ids)
            await self.redis.set(self._session_key(session), state.to_json(), ex=self.config.feed_session_seconds)
        cat = await self.catalogue.current()
        cards = [cat.items[i] for i in ids if i in cat.items]  # one withdrawn since is left out
        return FeedPage(cards, _cursor(session, index + 1) if ids else None, more)

    async def _next_page(self, user_id: int, first: int, snapshot: int, pages: list[list[int]],
                         now: int) -> tuple[list[int], bool]:
        cat = await self.catalogue.current()
        viewer = await self._viewer(user_id, now, targeted=cat.audience_segments)
        i2i = viewer.similar
        served = {i for page in pages for i in page}
        ordered = feed.ranked(cat, viewer, i2i, self.weights, served=served, snapshot_ms=snapshot, now_ms=now)
        before = [cat.items[i].kind for page in pages[-1:] for i in page if i in cat.items]
        page = feed.diversified(ordered, before=before, first=first)
        return [e.id for e in page], bool(page) and len(ordered) > len(page)

    # the profile consumer ----------------------------------------------------------

    async def ensure_event_definitions(self) -> None:
        scope = await self.tracking.scope(user_id=0, sees_everything=True)
        known = {d.name for d in await self.tracking.definitions(scope=scope, app_id="")}
        for name in signals.EVENTS:
            if name not in known:
                await self.tracking.register_event(scope=scope, app_id="", name=name, schema=signals.SCHEMA,
                                                   description="content feed signal")

    async def consume_once(self, *, limit: int = 2000) -> int:
        """Fold the vouched content events stored since the last call into profiles; how many."""
        if not self._cursor_exists:
            await ConsumerCursor.get_or_create(name=_CURSOR)
            self._cursor_exists = True
        async with in_transaction():
            cursor = await ConsumerCursor.select_for_update().get(name=_CURSOR)
            settled = datetime.now(UTC) - timedelta(milliseconds=self.config.settle_ms)
            events = await self.tracking.vouched_events_after(
                after_id=cursor.last_event_id, names=list(signals.EVENTS), settled_before=settled, limit=limit)
            if not events:
                return 0
            parsed = [signals.parse(name=e.name, user_id=e.user_id, properties=e.properties, event_ms=e.event_ms)
                      for e in events]
            await apply([s for s in parsed if s is not None])
            cursor.last_event_id = events[-1].id
            await cursor.save()
        return len(events)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The consumer (and the publisher of scheduled items) as a task of this process."""
        stop = asyncio.Event()
        task = asyncio.create_task(self._loop(stop), name="content-profile-consumer")
        try:
            yield
        finally:
            stop.set()
            await task

    async def _loop(self, stop: asyncio.Event) -> None:
        with contextlib.suppress(Exception):
            await self.ensure_event_definitions()
        last_release = 0.0
        while not stop.is_set():
            try:
                while await self.consume_once() and not stop.is_set():
                    pass
                if time.monotonic() - last_release > 1.0:
                    await self.release_due()
                    last_release = time.monotonic()
            except Exception:  # noqa: BLE001 - the consumer keeps going; its cursor did not move
                log.exception("content profile consumer failed a round; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.config.poll_ms / 1000)


def _cursor(session: str, index: int) -> str:
    return base64.urlsafe_b64encode(f"{session}:{index}".encode()).decode().rstrip("=")


def _parse_cursor(raw: str) -> tuple[str, int]:
    try:
        session, _, index = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode().partition(":")
        if len(raw) > 64 or not session or not index.isdigit():
            raise ValueError(raw)
        return session, int(index)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ContentError(ContentErrorCode.BAD_CURSOR, Text("content.bad_cursor"), field="after") from None
