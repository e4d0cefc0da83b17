"""Content items, images and feed pages as clients see them."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from bff.context import Info
from bff.errors import Error
from content import service as content

ContentKind = strawberry.enum(content.ContentKind, name="ContentKind")
ContentReviewState = strawberry.enum(content.ReviewState, name="ContentReviewState", description=(
    "DRAFT -> IN_REVIEW -> APPROVED -> SCHEDULED -> PUBLISHED -> WITHDRAWN; a rejected item returns to DRAFT."))
LiveStreamStatus = strawberry.enum(content.LiveStatus, name="LiveStreamStatus")
ProductKind = strawberry.enum(content.ProductKind, name="ProductKind")
ContentErrorCode = strawberry.enum(content.ContentErrorCode, name="ContentErrorCode")
_UNREAD = object()


@strawberry.type(description="One rendition of an image: pick by the screen's device-pixel ratio.")
class ImageRendition:
    density: int = strawberry.field(description="1, 2 or 3 (x)")
    format: str = strawberry.field(description="webp, or jpeg for clients without WebP")
    width: int
    height: int
    url: str


@strawberry.type(description="A cover image in renditions for 1x, 2x and 3x screens, WebP with a JPEG fallback.")
class ContentCover:
    id: strawberry.ID
    renditions: list[ImageRendition]

    @strawberry.field(description="The rendition for a screen of this device-pixel ratio, in WebP or JPEG.")
    def pick(self, dpr: float = 2.0, webp: bool = True) -> ImageRendition | None:
        density = content.pick_density(dpr)
        wanted = "webp" if webp else "jpeg"
        return next((r for r in self.renditions if r.density == density and r.format == wanted), None)


@strawberry.type
class VideoDetails:
    url: str
    duration_seconds: int


@strawberry.type
class LiveStreamDetails:
    starts_at: datetime
    ends_at: datetime | None
    status: LiveStreamStatus
    stream_url: str


@strawberry.type(description="A deposit or fund product; shown only to customers whose risk tolerance reaches it.")
class ProductDetails:
    code: str
    kind: ProductKind
    risk_level: str = strawberry.field(description="R1 to R5")


@strawberry.type(description="An article, short video, live stream or product card.")
class ContentItem:
    id: strawberry.ID
    kind: ContentKind
    title: str
    summary: str
    topics: list[str]
    tags: list[str]
    author_id: strawberry.ID = strawberry.field(description="The operator who wrote it.")
    video: VideoDetails | None
    live_stream: LiveStreamDetails | None
    product: ProductDetails | None
    published_at: datetime | None
    cover_image_id: strawberry.Private[int | None]
    body: strawberry.Private[str | None | object]  # _UNREAD for a feed card: read when asked

    @strawberry.field(description="Articles: sanitised rich text.")
    async def body_html(self, info: Info) -> str | None:
        if self.body is not _UNREAD:
            return self.body
        return await info.context.loader(load_bodies).load(int(self.id))

    @strawberry.field
    async def cover(self, info: Info) -> ContentCover | None:
        if self.cover_image_id is None:
            return None
        rows = await info.context.loader(load_renditions).load(self.cover_image_id)
        return ContentCover(id=strawberry.ID(str(self.cover_image_id)), renditions=rows)

    @strawberry.field(description="How many customers liked it.")
    async def likes(self, info: Info) -> int:
        return await info.context.loader(load_likes).load(int(self.id))

    @classmethod
    def of(cls, item: content.ContentItem | content.Entry) -> ContentItem:
        video = live = product = None
        if item.kind is content.ContentKind.SHORT_VIDEO:
            video = VideoDetails(url=item.video_url, duration_seconds=item.duration_seconds)
        elif item.kind is content.ContentKind.LIVE_STREAM:
            live = LiveStreamDetails(starts_at=item.live_starts_at, ends_at=item.live_ends_at,
                                     status=item.live_status, stream_url=item.stream_url)
        elif item.kind is content.ContentKind.PRODUCT_CARD:
            product = ProductDetails(code=item.product_code, kind=item.product_kind, risk_level=f"R{item.risk_level}")
        published = None if item.published_ms is None else datetime.fromtimestamp(item.published_ms / 1000, UTC)
        return cls(
            id=strawberry.ID(str(item.id)), kind=item.kind, title=item.title, summary=item.summary,
            body=getattr(item, "body_html", _UNREAD), topics=list(item.topics), tags=list(item.tags),
            author_id=strawberry.ID(str(item.author_id)), video=video, live_stream=live, product=product,
            published_at=published, cover_image_id=item.cover_id,
        )


@strawberry.type(description="An item as its author and reviewers see it, with its review state.")
class AuthoredContent:
    item: ContentItem
    state: ContentReviewState
    publish_from: datetime | None
    publish_until: datetime | None
    audience_segment_id: strawberry.ID | None = strawberry.field(
        description="The marketing segment whose members alone see it; null: everyone.")

    @classmethod
    def of(cls, item: content.ContentItem) -> AuthoredContent:
        return cls(item=ContentItem.of(item), state=item.state, publish_from=item.publish_from,
                   publish_until=item.publish_until,
                   audience_segment_id=None if item.audience_segment_id is None
                   else strawberry.ID(str(item.audience_segment_id)))


@strawberry.type
class ContentReviewStep:
    from_state: ContentReviewState
    to_state: ContentReviewState
    actor_id: strawberry.ID
    reason: str
    at: datetime


@strawberry.type(description="A page of the customer's feed; pass `endCursor` as `after` for the next.")
class FeedPage:
    items: list[ContentItem]
    end_cursor: str | None
    has_next_page: bool


@strawberry.type(description="The content step was refused; `code` says why and `field` names the input.")
class ContentRefused(Error):
    code: ContentErrorCode
    field: str | None = None


@strawberry.type
class LiveStreamStatusChanged:
    id: strawberry.ID
    status: LiveStreamStatus


async def load_renditions(context, image_ids):
    rows = await context.runtime.content.renditions(image_ids=image_ids)
    found: dict[int, list[ImageRendition]] = {i: [] for i in image_ids}
    for r in sorted(rows, key=lambda r: (r.density, r.format)):
        found[r.image_id].append(ImageRendition(
            density=r.density, format=r.format, width=r.width, height=r.height,
            url=f"/content/images/{r.image_id}/{r.density}x.{r.format}"))
    return [found[i] for i in image_ids]


async def load_likes(context, item_ids):
    counts = await context.runtime.content.likes(item_ids=item_ids)
    return [counts.get(i, 0) for i in item_ids]


async def load_bodies(context, item_ids):
    bodies = await context.runtime.content.bodies(item_ids=item_ids)
    return [bodies.get(i) for i in item_ids]
