"""Content and feeds: customers read ``feed`` and ``contentItem`` and react; operators author;
reviewers review (never their own items); live streams push their status."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated

import strawberry
from graphql import GraphQLError
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload

from bff.content.types import (
    AuthoredContent, ContentCover, ContentItem, ContentKind, ContentRefused, ContentReviewState, ContentReviewStep,
    FeedPage, LiveStreamStatus, LiveStreamStatusChanged, ProductKind, load_renditions,
)
from bff.content.suitability import RiskAnswerInput, RiskAssessment, RiskQuestionnaire, SubmitRiskResult, questionnaire, submit
from bff.context import Info
from bff.errors import InvalidInput
from bff.ids import ParsedIds, RecordId, parse_record_id, record_id_field
from bff.permissions import requires
from content import service as content
from identity.roles import Role
from infra.i18n import t

AuthoredResult = Annotated[AuthoredContent | ContentRefused | InvalidInput, strawberry.union("AuthoredContentResult")]
ReactionResult = Annotated[ContentItem | ContentRefused | InvalidInput, strawberry.union("ContentReactionResult")]
@strawberry.type(description="The topics you follow now.")
class FollowedTopics:
    topics: list[str]


FollowResult = Annotated[FollowedTopics | ContentRefused, strawberry.union("FollowContentTopicsResult")]
FeedResult = Annotated[FeedPage | ContentRefused | InvalidInput, strawberry.union("FeedResult")]
CoverResult = Annotated[ContentCover | ContentRefused | InvalidInput, strawberry.union("ContentImageResult")]
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_LISTED = 100


@strawberry.input(description="An item's content; give the fields of its kind.")
class ContentDraftInput:
    kind: ContentKind
    title: str
    topics: list[str]
    tags: list[str] = strawberry.field(default_factory=list)
    summary: str = ""
    body_html: str | None = None
    cover_image_id: int | None = record_id_field(default=None, graphql_type=strawberry.ID | None)
    video_url: str | None = None
    duration_seconds: int | None = None
    live_starts_at: datetime | None = None
    live_ends_at: datetime | None = None
    stream_url: str | None = None
    product_code: str | None = None
    product_kind: ProductKind | None = None
    risk_level: int | None = strawberry.field(default=None, description="1 to 5 for R1 to R5")
    audience_segment_id: int | None = record_id_field(
        default=None, graphql_type=strawberry.ID | None,
        description="A marketing segment: only its members see the item; none, everyone.")
    pinned_rank: int | None = None

    def draft(self) -> content.Draft:
        cover = self.cover_image_id  # parsed at the edge (ParsedIds)
        return content.Draft(
            kind=content.ContentKind(self.kind), title=self.title, topics=tuple(self.topics), tags=tuple(self.tags),
            summary=self.summary, body_html=self.body_html, cover_image_id=cover, video_url=self.video_url,
            duration_seconds=self.duration_seconds, live_starts_at=self.live_starts_at, live_ends_at=self.live_ends_at,
            stream_url=self.stream_url, product_code=self.product_code,
            product_kind=None if self.product_kind is None else content.ProductKind(self.product_kind),
            risk_level=self.risk_level, audience_segment_id=self.audience_segment_id, pinned_rank=self.pinned_rank,
        )


def refused(exc: content.ContentError) -> ContentRefused:
    return ContentRefused(message=str(exc), code=exc.code, field=exc.field)


async def _authored(step) -> AuthoredContent | ContentRefused:
    try:
        return AuthoredContent.of(await step())
    except content.ContentError as exc:
        return refused(exc)


def _me(info: Info) -> int:
    return info.context.principal.user_id


@strawberry.type
class ContentQuery:
    @strawberry.field(extensions=requires(Role.CUSTOMER),
                      description="Your feed, ranked for you; `after` is the previous page's `endCursor`.")
    async def feed(self, info: Info, first: int = 20, after: str | None = None) -> FeedResult:
        try:
            page = await info.context.runtime.content.feed_page(user_id=_me(info), first=first, after=after)
        except content.ContentError as exc:
            return refused(exc)
        return FeedPage(items=[ContentItem.of(i) for i in page.items], end_cursor=page.end_cursor,
                        has_next_page=page.has_next_page)

    @strawberry.field(extensions=[ParsedIds(), *requires(Role.CUSTOMER)],
                      description="A published item; null if there is none you may see.")
    async def content_item(self, info: Info, id: RecordId) -> ContentItem | None:
        item = await info.context.runtime.content.item_for(user_id=_me(info), item_id=id)
        return None if item is None else ContentItem.of(item)

    @strawberry.field(extensions=requires(Role.CUSTOMER),
                      description="The suitability questionnaire to answer with `submitRiskQuestionnaire`.")
    def risk_questionnaire(self, info: Info) -> RiskQuestionnaire:
        return questionnaire(info.context.runtime.content.risk_questionnaire())

    @strawberry.field(extensions=requires(Role.CUSTOMER),
                      description="Your risk assessment while it holds; null: unassessed (R1 products only).")
    async def my_risk_assessment(self, info: Info) -> RiskAssessment | None:
        found = await info.context.runtime.content.risk_assessment(user_id=_me(info))
        return None if found is None else RiskAssessment.of(found)

    @strawberry.field(extensions=requires(Role.OPERATOR, Role.REVIEWER),
                      description="Operators and reviewers: items in a review state, newest first.")
    async def content_items_in_state(self, info: Info, state: ContentReviewState,
                                     limit: int = 50) -> list[AuthoredContent]:
        rows = await info.context.runtime.content.items_in_state(state=content.ReviewState(state),
                                                                 limit=max(1, min(limit, MAX_LISTED)))
        return [AuthoredContent.of(r) for r in rows]

    @strawberry.field(extensions=[ParsedIds(), *requires(Role.OPERATOR, Role.REVIEWER)],
                      description="Operators and reviewers: an item's review trail, oldest first.")
    async def content_review_trail(self, info: Info, id: RecordId) -> list[ContentReviewStep]:
        steps = await info.context.runtime.content.review_steps(item_id=id)
        return [ContentReviewStep(from_state=s.from_state, to_state=s.to_state, actor_id=strawberry.ID(str(s.actor_id)),
                                  reason=s.reason, at=s.at) for s in steps]


@strawberry.type
class ContentMutation:
    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.OPERATOR)], description="Operators: write a draft.")
    async def create_content(self, info: Info, input: ContentDraftInput) -> AuthoredResult:
        return await _authored(lambda: info.context.runtime.content.create_item(author_id=_me(info),
                                                                                draft=input.draft()))

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.OPERATOR)],
                         description="Operators: edit your own draft.")
    async def revise_content(self, info: Info, id: RecordId, input: ContentDraftInput) -> AuthoredResult:
        return await _authored(lambda: info.context.runtime.content.revise_item(item_id=id, by=_me(info),
                                                                                draft=input.draft()))

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.OPERATOR)],
                         description="Operators: send your own draft to review.")
    async def submit_content(self, info: Info, id: RecordId) -> AuthoredResult:
        return await _authored(lambda: info.context.runtime.content.review(item_id=id, move="submit", by=_me(info)))

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.REVIEWER)],
                         description="Reviewers: approve an item in review that someone else wrote.")
    async def approve_content(self, info: Info, id: RecordId, reason: str | None = None) -> AuthoredResult:
        return await _authored(lambda: info.context.runtime.content.review(item_id=id, move="approve", by=_me(info),
                                                                           reason=reason))

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.REVIEWER)],
                         description="Reviewers: send an item back to its author as a draft, with the reason.")
    async def reject_content(self, info: Info, id: RecordId, reason: str) -> AuthoredResult:
        return await _authored(lambda: info.context.runtime.content.review(item_id=id, move="reject", by=_me(info),
                                                                           reason=reason))

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.OPERATOR)],
                         description="Operators: give an approved item its publish window; it goes live when it opens.")
    async def schedule_content(self, info: Info, id: RecordId, publish_from: datetime,
                               publish_until: datetime | None = None) -> AuthoredResult:
        return await _authored(lambda: info.context.runtime.content.schedule(
            item_id=id, by=_me(info), publish_from=publish_from, publish_until=publish_until))

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.OPERATOR, Role.REVIEWER)],
                         description="Operators and reviewers: take an item down, with the reason.")
    async def withdraw_content(self, info: Info, id: RecordId, reason: str) -> AuthoredResult:
        return await _authored(lambda: info.context.runtime.content.review(item_id=id, move="withdraw", by=_me(info),
                                                                           reason=reason))

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.OPERATOR)],
                         description="Operators: a live stream goes live, or ends; subscribers hear it at once.")
    async def set_live_stream_status(self, info: Info, id: RecordId, status: LiveStreamStatus) -> AuthoredResult:
        return await _authored(lambda: info.context.runtime.content.set_live_status(
            item_id=id, status=content.LiveStatus(status)))

    @strawberry.mutation(extensions=requires(Role.OPERATOR),
                         description="Operators: upload a cover (multipart); renditions for 1x/2x/3x, EXIF removed.")
    async def upload_content_image(self, info: Info, image: Upload) -> CoverResult:
        if not isinstance(image, UploadFile):
            return InvalidInput(message=t("bff.file_part_expected", field="image"), field="image")
        try:
            data = await image.read(MAX_UPLOAD_BYTES + 1)
        finally:
            await image.close()
        try:
            stored = await info.context.runtime.content.upload_image(owner_id=_me(info), raw=data)
        except content.ContentError as exc:
            return refused(exc)
        [renditions] = await load_renditions(info.context, [stored.id])
        return ContentCover(id=strawberry.ID(str(stored.id)), renditions=renditions)

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.CUSTOMER)], description="Like an item.")
    async def like_content(self, info: Info, id: RecordId) -> ReactionResult:
        return await _react(info, id, content.Action.LIKE)

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.CUSTOMER)], description="Note that you shared an item.")
    async def share_content(self, info: Info, id: RecordId) -> ReactionResult:
        return await _react(info, id, content.Action.SHARE)

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.CUSTOMER)],
                         description="Not interested: the item never comes back, and its kind ranks lower for you.")
    async def mark_content_not_interested(self, info: Info, id: RecordId) -> ReactionResult:
        return await _react(info, id, content.Action.NOT_INTERESTED)

    @strawberry.mutation(extensions=requires(Role.CUSTOMER), description=(
        "Your own answers to the risk questionnaire: scored into a tolerance C1 to C5 that reaches R1 to R5 products."))
    async def submit_risk_questionnaire(self, info: Info, questionnaire_version: str,
                                        answers: list[RiskAnswerInput]) -> SubmitRiskResult:
        return await submit(info.context.runtime.content, user_id=_me(info),
                            questionnaire_version=questionnaire_version, answers=answers)

    @strawberry.mutation(extensions=requires(Role.CUSTOMER),
                         description="The topics you follow (chosen at onboarding): they feed your first pages.")
    async def follow_content_topics(self, info: Info, topics: list[str]) -> FollowResult:
        try:
            return FollowedTopics(topics=await info.context.runtime.content.follow_topics(user_id=_me(info),
                                                                                          topics=topics))
        except content.ContentError as exc:
            return refused(exc)


async def _react(info: Info, item_id: int, action: content.Action) -> ReactionResult:
    try:
        return ContentItem.of(await info.context.runtime.content.react(user_id=_me(info), item_id=item_id,
                                                                       action=action))
    except content.ContentError as exc:
        return refused(exc)


@strawberry.type
class ContentSubscription:
    @strawberry.subscription(extensions=requires(),
                             description="A live stream's status as it changes: scheduled, live, ended.")
    async def live_stream_status(self, info: Info, id: strawberry.ID) -> AsyncGenerator[LiveStreamStatusChanged, None]:
        item_id = parse_record_id(id)
        if item_id is None:
            raise GraphQLError(t("bff.not_an_id", field="id"), extensions={"code": "INVALID_INPUT", "field": "id"})
        async with info.context.runtime.broker.subscribe(content.live_topic(item_id)) as events:
            async for event in events:
                yield LiveStreamStatusChanged(id=strawberry.ID(str(event["id"])),
                                              status=content.LiveStatus(event["status"]))
