"""The inbox: the bank's own messages (system, transactional, campaign) and mini-programs'
subscription messages (each consent the user gives lets the app send them one), with read,
unread and delete, and a real-time notice of each new message across workers."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum

from tortoise.transactions import in_transaction

from infra.db import insert_rows
from infra.i18n import Text
from miniprogram_host.service import app_exists
from openplatform import errors
from openplatform.models import InboxMessage, SubscriptionConsent

log = logging.getLogger("openplatform.inbox")
_TOPIC = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
MAX_TITLE, MAX_BODY = 100, 2000
BANK = "bank"  # the app id of the bank's own notices: no mini-program has it (theirs start with "mp")


class MessageKind(str, Enum):
    SYSTEM = "SYSTEM"  # the bank about the service itself (topic system.*)
    TRANSACTIONAL = "TRANSACTIONAL"  # payments, payroll, ETC debits: the bank's other notices
    CAMPAIGN = "CAMPAIGN"  # marketing's inbox placements (topic campaign.*)
    SUBSCRIPTION = "SUBSCRIPTION"  # a mini-program's message, sent with the user's consent


def kind_of(app_id: str, topic: str) -> MessageKind:
    if app_id != BANK:
        return MessageKind.SUBSCRIPTION
    if topic.startswith("campaign."):
        return MessageKind.CAMPAIGN
    return MessageKind.SYSTEM if topic.startswith("system.") else MessageKind.TRANSACTIONAL


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    app_id: str
    topic: str
    title: str
    body: str
    created_at: datetime
    read: bool = False

    @property
    def kind(self) -> MessageKind:
        return kind_of(self.app_id, self.topic)

    @classmethod
    def of(cls, row: InboxMessage) -> Message:
        return cls(row.id, row.app_id, row.topic, row.title, row.body, row.created_at, row.read_at is not None)


Announce = Callable[[list[tuple[int, int]]], Awaitable[None]]
_announce: list[Announce] = []  # set once per process by the composition root (OpenPlatform.build)


def announce_with(announce: Announce) -> None:
    """``announce([(user_id, message_id), ...])`` after new messages: subscribers then read
    each back, so a notice of a message whose transaction rolled back shows nothing."""
    _announce[:] = [announce]


async def _announced(message: Message, user_id: int) -> Message:
    await announce_all([(user_id, message.id)])
    return message


async def announce_all(messages: list[tuple[int, int]]) -> None:
    """Tell the live subscribers of each ``(user_id, message_id)``; a failure loses the
    notices only (the messages are in the inbox)."""
    for announce in _announce:
        try:
            await announce(messages)
        except Exception:  # noqa: BLE001 - the messages are in the inbox; only the live notices are lost
            log.warning("inbox notices for %s messages not published", len(messages), exc_info=True)


def inbox_topic(user_id: int) -> str:
    return f"inbox:{user_id}"


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
                return await _announced(Message.of(row), user_id)
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
    row = await InboxMessage.create(user_id=user_id, app_id=BANK, topic=topic, title=title, body=body)
    return await _announced(Message.of(row), user_id)


@dataclass(frozen=True, slots=True)
class Notice:
    """One of ``send_many_from_bank``'s messages."""

    user_id: int
    topic: str
    title: str
    body: str


MAX_NOTICES = 1_000


async def send_many_from_bank(notices: list[Notice], *, announce: bool = True) -> list[int]:
    """Messages from the bank to many customers (a payroll chunk's payslips) with one
    statement, on the caller's transaction like ``send_from_bank``; their ids, in order.

    ``announce=False`` leaves the live notices to the caller (``announce_all``), to send
    once its transaction has committed: a subscriber told earlier reads nothing back."""
    if len(notices) > MAX_NOTICES:
        raise errors.InvalidArgument(Text("openplatform.too_many_messages", max=MAX_NOTICES), field="notices")
    rows = []
    for notice in notices:
        _check_topic(notice.topic)
        title, body = (notice.title or "").strip()[:MAX_TITLE], (notice.body or "").strip()[:MAX_BODY]
        if not title or not body:
            raise errors.InvalidArgument(Text("openplatform.message_title_and_body"), field="body")
        rows.append((notice.user_id, notice.topic, title, body))
    if not rows:
        return []
    now = datetime.now(timezone.utc)
    inserted = await insert_rows(  # on the caller's transaction, when it has one open
        InboxMessage._meta.db, InboxMessage._meta.db_table, ("user_id", "topic", "title", "body"),
        ("bigint", "text", "text", "text"), rows, "RETURNING id",
        same=(("app_id", "text", BANK), ("created_at", "timestamptz", now)))
    ids = sorted(row["id"] for row in inserted)  # one statement takes its ids in the order of its rows
    if announce:
        await announce_all([(notice.user_id, message_id) for notice, message_id in zip(notices, ids, strict=True)])
    return ids


async def inbox(*, user_id: int, limit: int = 50, before_id: int | None = None) -> list[Message]:
    """The user's messages, newest first; ``before_id`` pages further back."""
    query = InboxMessage.filter(user_id=user_id, deleted_at__isnull=True)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    rows = await query.order_by("-id").limit(max(1, min(limit, 100)))
    return [Message.of(r) for r in rows]


async def message(*, user_id: int, message_id: int) -> Message | None:
    row = await InboxMessage.get_or_none(id=message_id, user_id=user_id, deleted_at__isnull=True)
    return Message.of(row) if row is not None else None


async def unread_count(*, user_id: int) -> int:
    return await InboxMessage.filter(user_id=user_id, read_at__isnull=True, deleted_at__isnull=True).count()


async def mark_read(*, user_id: int, message_ids: list[int] | None) -> int:
    """Mark the user's messages read (``None``: all of them); how many changed."""
    query = InboxMessage.filter(user_id=user_id, read_at__isnull=True, deleted_at__isnull=True)
    if message_ids is not None:
        if len(message_ids) > 100:
            raise errors.InvalidArgument(Text("openplatform.too_many_messages", max=100), field="ids")
        query = query.filter(id__in=message_ids)
    return await query.update(read_at=datetime.now(timezone.utc))


async def delete(*, user_id: int, message_id: int) -> bool:
    """Delete one of the user's messages; another user's is left alone (False)."""
    return bool(await InboxMessage.filter(id=message_id, user_id=user_id, deleted_at__isnull=True).update(
        deleted_at=datetime.now(timezone.utc)))
