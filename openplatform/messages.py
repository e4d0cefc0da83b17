"""Subscription messages: each consent the user gives lets the app send them one message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from tortoise.transactions import in_transaction

from infra.i18n import Text
from miniprogram_host.service import app_exists
from openplatform import errors
from openplatform.models import InboxMessage, SubscriptionConsent

_TOPIC = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
MAX_TITLE, MAX_BODY = 100, 2000
BANK = "bank"  # the app id of the bank's own notices: no mini-program has it (theirs start with "mp")


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    app_id: str
    topic: str
    title: str
    body: str
    created_at: datetime

    @classmethod
    def of(cls, row: InboxMessage) -> Message:
        return cls(row.id, row.app_id, row.topic, row.title, row.body, row.created_at)


def _check_topic(topic: str) -> str:
    if not isinstance(topic, str) or not _TOPIC.match(topic):
        raise errors.InvalidArgument(Text("openplatform.topic"), field="topic")
    return topic


async def subscribe(*, app_id: str, user_id: int, topic: str) -> None:
    _check_topic(topic)
    if not await app_exists(app_id):
        raise errors.UnknownApp()
    await SubscriptionConsent.create(app_id=app_id, user_id=user_id, topic=topic)


async def send(*, app_id: str, user_id: int, topic: str, title: str, body: str) -> Message:
    """Deliver to the inbox, using up one unused consent; none left: NoSubscription."""
    _check_topic(topic)
    title, body = (title or "").strip(), (body or "").strip()
    if not 1 <= len(title) <= MAX_TITLE:
        raise errors.InvalidArgument(Text("openplatform.title_length", max=MAX_TITLE), field="title")
    if not 1 <= len(body) <= MAX_BODY:
        raise errors.InvalidArgument(Text("openplatform.body_length", max=MAX_BODY), field="body")
    async with in_transaction():
        candidates = await SubscriptionConsent.filter(
            app_id=app_id, user_id=user_id, topic=topic, consumed_at__isnull=True
        ).order_by("id").limit(5).values_list("id", flat=True)
        for consent_id in candidates:
            # A conditional update: of two concurrent sends, one takes each consent.
            taken = await SubscriptionConsent.filter(id=consent_id, consumed_at__isnull=True).update(
                consumed_at=datetime.now(timezone.utc)
            )
            if taken:
                row = await InboxMessage.create(user_id=user_id, app_id=app_id, topic=topic, title=title, body=body)
                return Message.of(row)
    raise errors.NoSubscription()


BANK = "bank"  # the sender of the bank's own messages (no mini-program id looks like it)


async def send_from_bank(*, user_id: int, topic: str, title: str, body: str) -> Message:
    """A message from the bank itself (a payment received): no consent is used up.

    Written on the connection of the transaction the caller has open, if any, so a
    payment's notice stands or falls with the payment.
    """
    _check_topic(topic)
    title, body = (title or "").strip()[:MAX_TITLE], (body or "").strip()[:MAX_BODY]
    if not title or not body:
        raise errors.InvalidArgument(Text("openplatform.message_title_and_body"), field="body")
    return Message.of(await InboxMessage.create(user_id=user_id, app_id=BANK, topic=topic, title=title, body=body))


async def inbox(*, user_id: int, limit: int = 50, before_id: int | None = None) -> list[Message]:
    """The user's messages, newest first; ``before_id`` pages further back."""
    query = InboxMessage.filter(user_id=user_id)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    rows = await query.order_by("-id").limit(max(1, min(limit, 100)))
    return [Message.of(r) for r in rows]
