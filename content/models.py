"""Content items, their review trail and images; each customer's interest profile and what they saw."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from infra.models import Model


class ContentKind(StrEnum):
    ARTICLE = "article"
    SHORT_VIDEO = "short_video"
    LIVE_STREAM = "live_stream"
    PRODUCT_CARD = "product_card"


class ReviewState(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class LiveStatus(StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"


class ProductKind(StrEnum):
    DEPOSIT = "deposit"
    FUND = "fund"


class ContentImage(Model):
    """An uploaded picture, kept only as its renditions (EXIF and all other metadata gone)."""

    id = fields.BigIntField(primary_key=True)
    owner_id = fields.BigIntField()
    sha256 = fields.CharField(max_length=64)
    width = fields.IntField()
    height = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "content_image"


class ImageRendition(Model):
    """One density (1x/2x/3x) of an image in one format (WebP, or JPEG for clients without it)."""

    id = fields.BigIntField(primary_key=True)
    image = fields.ForeignKeyField("content.ContentImage", related_name="renditions", on_delete=fields.CASCADE)
    density = fields.SmallIntField()
    format = fields.CharField(max_length=8)
    width = fields.IntField()
    height = fields.IntField()
    data = fields.BinaryField()

    class Meta:
        table = "content_image_rendition"
        unique_together = (("image", "density", "format"),)


class ContentItem(Model):
    id = fields.BigIntField(primary_key=True)
    kind = fields.CharEnumField(ContentKind, max_length=16)
    title = fields.CharField(max_length=120)
    summary = fields.CharField(max_length=300, default="")
    body_html = fields.TextField(null=True)  # articles: sanitised on the way in, never stored raw
    cover = fields.ForeignKeyField("content.ContentImage", null=True, related_name=False, on_delete=fields.SET_NULL)
    video_url = fields.CharField(max_length=512, null=True)
    duration_seconds = fields.IntField(null=True)
    live_starts_at = fields.DatetimeField(null=True)
    live_ends_at = fields.DatetimeField(null=True)
    live_status = fields.CharEnumField(LiveStatus, max_length=16, null=True)
    stream_url = fields.CharField(max_length=512, null=True)
    product_code = fields.CharField(max_length=32, null=True)
    product_kind = fields.CharEnumField(ProductKind, max_length=16, null=True)
    risk_level = fields.SmallIntField(null=True)  # R1..R5 as 1..5
    topics = fields.JSONField(default=list)
    tags = fields.JSONField(default=list)
    author_id = fields.BigIntField()  # an operator
    state = fields.CharEnumField(ReviewState, max_length=16, default=ReviewState.DRAFT)
    publish_from = fields.DatetimeField(null=True)
    publish_until = fields.DatetimeField(null=True)
    audience_segment_id = fields.BigIntField(null=True)  # None: everyone; else a marketing segment's members only
    pinned_rank = fields.SmallIntField(null=True)  # operator-pinned: shown first, lowest rank first
    published_ms = fields.BigIntField(null=True)  # when it went live; a feed's snapshot keeps to it
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    updated_ms = fields.BigIntField(default=0, db_index=True)  # the feed's catalogue reloads what changed

    class Meta:
        table = "content_item"
        indexes = (("state", "published_ms"),)


class ReviewStep(Model):
    """One move of an item through the workflow: who, from which state to which, and why."""

    id = fields.BigIntField(primary_key=True)
    item = fields.ForeignKeyField("content.ContentItem", related_name="review_steps", on_delete=fields.CASCADE)
    from_state = fields.CharEnumField(ReviewState, max_length=16)
    to_state = fields.CharEnumField(ReviewState, max_length=16)
    actor_id = fields.BigIntField()
    reason = fields.CharField(max_length=500, default="")
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "content_review_step"


class InterestProfile(Model):
    """A customer's interests: weights by topic:x, kind:x and author:n, decayed to updated_ms."""

    user_id = fields.BigIntField(primary_key=True)
    weights = fields.JSONField(default=dict)
    recent_positive = fields.JSONField(default=list)  # item ids clicked/liked/shared, newest first
    updated_ms = fields.BigIntField(default=0)

    class Meta:
        table = "content_interest_profile"


class FollowedTopic(Model):
    """Topics a customer chose at onboarding or followed since."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.BigIntField()
    topic = fields.CharField(max_length=32)

    class Meta:
        table = "content_followed_topic"
        unique_together = (("user_id", "topic"),)


class SeenItem(Model):
    """An item a customer was shown (exposure) or acted on, dismissed when not interested."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.BigIntField()
    item_id = fields.BigIntField()
    dismissed = fields.BooleanField(default=False)
    liked = fields.BooleanField(default=False)
    at_ms = fields.BigIntField()

    class Meta:
        table = "content_seen_item"
        unique_together = (("user_id", "item_id"),)


class ItemStats(Model):
    """Engagement per item for the popular source: a decayed score, and raw counts."""

    item_id = fields.BigIntField(primary_key=True)
    exposures = fields.BigIntField(default=0)
    clicks = fields.BigIntField(default=0)
    likes = fields.BigIntField(default=0)
    shares = fields.BigIntField(default=0)
    score = fields.FloatField(default=0.0)
    updated_ms = fields.BigIntField(default=0, db_index=True)

    class Meta:
        table = "content_item_stats"


class ItemNeighbor(Model):
    """Item-to-item co-occurrence: customers who engaged with one also engaged with the other."""

    id = fields.BigIntField(primary_key=True)
    item_id = fields.BigIntField()
    neighbor_id = fields.BigIntField()
    weight = fields.FloatField(default=0.0)

    class Meta:
        table = "content_item_neighbor"
        unique_together = (("item_id", "neighbor_id"),)


class RiskAssessment(Model):
    """One submitted risk questionnaire: its version, the answers, the score and the tolerance it gave.

    Every submission is kept; the latest is the customer's assessment until ``valid_until``.
    """

    id = fields.BigIntField(primary_key=True)
    user_id = fields.BigIntField()
    questionnaire_version = fields.CharField(max_length=16)
    answers = fields.JSONField()  # {question id: option number}
    score = fields.SmallIntField()
    tolerance = fields.SmallIntField()  # C1..C5 as 1..5: products up to R<tolerance>
    assessed_at = fields.DatetimeField()
    valid_until = fields.DatetimeField()

    class Meta:
        table = "content_risk_assessment"
        indexes = (("user_id", "id"),)


class ConsumerCursor(Model):
    """How far the profile consumer has read the stored tracking events."""

    name = fields.CharField(max_length=32, primary_key=True)
    last_event_id = fields.BigIntField(default=0)

    class Meta:
        table = "content_consumer_cursor"
