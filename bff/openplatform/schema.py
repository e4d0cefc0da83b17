"""Open platform in GraphQL: the customer's inbox (read, unread, delete, live); developers' webhook URL,
SM2 keys and webhook deliveries (listed and queued again)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from bff.context import Info
from bff.errors import InvalidInput
from bff.ids import MiniAppId, OptionalRecordId, OptionalRecordIds, ParsedIds, RecordId
from bff.miniprogram.schema import _actor, _failure
from bff.miniprogram.types import MiniAppNotFound, MiniAppNotPermitted
from bff.permissions import requires
from identity.roles import Role
from miniprogram_host import errors as host_errors
from openplatform import apps, errors
from openplatform.envelope import BankKeys
from openplatform.models import OpenAppSettings
from openplatform.service import Message, MessageKind, inbox_topic

InboxMessageKind = strawberry.enum(MessageKind, name="InboxMessageKind", description=(
    "SYSTEM: about the service; TRANSACTIONAL: payments, payroll, ETC debits; CAMPAIGN: offers; "
    "SUBSCRIPTION: a mini-program's message you agreed to receive."
))


@strawberry.type(description="A message a mini-program sent you with your consent, or the bank's own notice (`appId` \"bank\").")
class InboxMessage:
    id: strawberry.ID
    app_id: str
    topic: str
    title: str
    body: str
    created_at: datetime
    kind: InboxMessageKind
    read: bool

    @classmethod
    def of(cls, m: Message) -> InboxMessage:
        return cls(id=strawberry.ID(str(m.id)), app_id=m.app_id, topic=m.topic, title=m.title, body=m.body,
                   created_at=m.created_at, kind=m.kind, read=m.read)


@strawberry.type(description="How a mini-program's own server talks to the bank.")
class MiniAppOpenSettings:
    app_id: str
    webhook_url: str | None
    sm2_public_key: str | None = strawberry.field(description="128 hex characters, x||y.")
    encryption_public_key: str | None = strawberry.field(description=(
        "The app's SM2 encryption public key (x||y): set, its request and answer bodies and webhooks are "
        "digital envelopes."))
    bank_encryption_public_key: str = strawberry.field(description=(
        "The bank's SM2 public key (x||y) to seal request bodies to."))
    bank_signing_public_key: str = strawberry.field(description=(
        "The bank's SM2 public key (x||y) that verifies `X-Superapp-Envelope-Signature` on sealed answers and webhooks."))
    sm2_key_fingerprint: str | None = strawberry.field(description=(
        "The first 16 hex of SHA-256 of the signing key's bytes, to tell keys apart."))
    encryption_key_fingerprint: str | None = strawberry.field(description="The same for the encryption key.")
    updated_at: datetime | None = strawberry.field(description="When a setting last changed; null if never set.")

    @classmethod
    def of(cls, row: OpenAppSettings, bank: BankKeys) -> MiniAppOpenSettings:
        return cls(app_id=row.app_id, webhook_url=row.webhook_url, sm2_public_key=row.sm2_public_key,
                   encryption_public_key=row.encryption_public_key,
                   bank_encryption_public_key=bank.encryption_public, bank_signing_public_key=bank.signing_public,
                   sm2_key_fingerprint=apps.key_fingerprint(row.sm2_public_key),
                   encryption_key_fingerprint=apps.key_fingerprint(row.encryption_public_key),
                   updated_at=row.updated_at)


@strawberry.enum(description="PENDING: waiting for its next attempt; DELIVERED: the receiver answered 2xx; "
                             "DEAD: every attempt failed, until it is redelivered.")
class WebhookDeliveryStatus(Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


@strawberry.type(description="One event sent (or to be sent) to the app's webhook URL; never its body or signature.")
class WebhookDelivery:
    id: strawberry.ID
    event_id: str
    event_type: str
    status: WebhookDeliveryStatus
    attempts: int = strawberry.field(description="Attempts since it was queued (or queued again).")
    last_status_code: int | None = strawberry.field(description="The receiver's last HTTP status, if it answered.")
    last_error: str | None = strawberry.field(description="Why the last attempt failed, if it did.")
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, d: apps.Delivery) -> WebhookDelivery:
        return cls(id=strawberry.ID(str(d.id)), event_id=d.event_id, event_type=d.event_type,
                   status=WebhookDeliveryStatus(d.status), attempts=d.attempts, last_status_code=d.last_status_code,
                   last_error=d.last_error, created_at=d.created_at, next_attempt_at=d.next_attempt_at,
                   delivered_at=d.delivered_at)


@strawberry.type(description="The app's deliveries newest first; pass `endCursor` as `before` for the next page.")
class WebhookDeliveryPage:
    items: list[WebhookDelivery]
    end_cursor: strawberry.ID | None
    has_next_page: bool


@strawberry.type(description="A `webhook.test` event is on its way to the app's webhook URL.")
class TestWebhookQueued:
    event_id: str


TestWebhookResult = Annotated[
    TestWebhookQueued | MiniAppNotFound | MiniAppNotPermitted | InvalidInput, strawberry.union("TestWebhookResult")
]

DeliveriesResult = Annotated[
    WebhookDeliveryPage | MiniAppNotFound | MiniAppNotPermitted | InvalidInput,
    strawberry.union("MiniAppWebhookDeliveriesResult"),
]
RedeliverResult = Annotated[
    WebhookDelivery | MiniAppNotFound | MiniAppNotPermitted, strawberry.union("RedeliverWebhookResult"),
]

SettingsResult = Annotated[
    MiniAppOpenSettings | MiniAppNotFound | MiniAppNotPermitted | InvalidInput,
    strawberry.union("MiniAppOpenSettingsResult"),
]


async def _developers(step, answer):
    """Run a developer's step; the host's and the open platform's refusals become schema types."""
    try:
        return answer(await step)
    except errors.InvalidArgument as exc:
        return InvalidInput(message=str(exc), field=exc.field)
    except errors.DeliveryNotFound as exc:
        return MiniAppNotFound(message=str(exc))
    except host_errors.HostError as exc:
        return _failure(exc)


async def _change(info: Info, step) -> SettingsResult:
    bank = info.context.runtime.openplatform.config.bank_keys
    return await _developers(step, lambda row: MiniAppOpenSettings.of(row, bank))


@strawberry.type
class OpenPlatformQuery:
    @strawberry.field(
        extensions=[ParsedIds(), *requires(Role.CUSTOMER)], description="Your inbox, newest first: the bank's messages (system, transactions, campaigns) and mini-programs' (deleted ones left out)."
    )
    async def inbox(self, info: Info, limit: int = 50, before_id: OptionalRecordId = None) -> list[InboxMessage]:
        rows = await info.context.runtime.openplatform.inbox(
            user_id=info.context.principal.user_id, limit=limit, before_id=before_id
        )
        return [InboxMessage.of(m) for m in rows]

    @strawberry.field(extensions=requires(Role.CUSTOMER), description="How many of your messages are unread.")
    async def inbox_unread_count(self, info: Info) -> int:
        return await info.context.runtime.openplatform.unread_count(user_id=info.context.principal.user_id)

    @strawberry.field(extensions=[ParsedIds(), *requires(Role.DEVELOPER)],
                      description="The open-platform settings of an app you develop: webhook URL and registered keys.")
    async def mini_app_open_settings(self, info: Info, app_id: MiniAppId) -> SettingsResult:
        return await _change(info, apps.open_settings(actor=_actor(info), app_id=app_id))

    @strawberry.field(extensions=[ParsedIds(), *requires(Role.DEVELOPER)],
                      description="The webhook deliveries of an app you develop, newest first (at most 100 a page).")
    async def mini_app_webhook_deliveries(self, info: Info, app_id: MiniAppId, first: int = 20,
                                          before: OptionalRecordId = None) -> DeliveriesResult:
        def page(found: apps.DeliveryPage) -> WebhookDeliveryPage:
            items = [WebhookDelivery.of(d) for d in found.items]
            return WebhookDeliveryPage(items=items, end_cursor=items[-1].id if items else None,
                                       has_next_page=found.has_more)

        return await _developers(apps.webhook_deliveries(actor=_actor(info), app_id=app_id, first=first,
                                                         before_id=before), page)


@strawberry.type
class OpenPlatformMutation:
    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.CUSTOMER)],
        description="Mark your messages read (without ids: all of them); answers the unread count left.",
    )
    async def mark_inbox_read(self, info: Info, ids: OptionalRecordIds = None) -> int:
        runtime, user_id = info.context.runtime, info.context.principal.user_id
        await runtime.openplatform.mark_read(user_id=user_id, message_ids=ids[:100] if ids is not None else None)
        return await runtime.openplatform.unread_count(user_id=user_id)

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.CUSTOMER)],
        description="Delete one of your messages; false when you have no such message.",
    )
    async def delete_inbox_message(self, info: Info, id: RecordId) -> bool:
        return await info.context.runtime.openplatform.delete_message(user_id=info.context.principal.user_id,
                                                                       message_id=id)

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.DEVELOPER)],
        description="Set (or with null, remove) the http(s) URL that receives the app's payment and refund events.",
    )
    async def set_mini_app_webhook(self, info: Info, app_id: MiniAppId, url: str | None) -> SettingsResult:
        return await _change(info, apps.set_webhook_url(actor=_actor(info), app_id=app_id, url=url))

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.DEVELOPER)],
        description="Send a `webhook.test` event to the app's webhook URL, to check the endpoint and its signature check.",
    )
    async def send_mini_app_test_webhook(self, info: Info, app_id: MiniAppId) -> TestWebhookResult:
        return await _developers(apps.send_test_webhook(actor=_actor(info), app_id=app_id),
                                 lambda event_id: TestWebhookQueued(event_id=event_id))

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.DEVELOPER)],
        description="Queue one of your app's webhook deliveries again (any state), with a fresh set of attempts.",
    )
    async def redeliver_mini_app_webhook(self, info: Info, app_id: MiniAppId,
                                         delivery_id: RecordId) -> RedeliverResult:
        return await _developers(apps.redeliver_webhook(actor=_actor(info), app_id=app_id, delivery_id=delivery_id),
                                 WebhookDelivery.of)

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.DEVELOPER)],
        description="Register (or with null, remove) the SM2 public key that verifies the app's signed requests.",
    )
    async def register_mini_app_sm2_key(self, info: Info, app_id: MiniAppId, public_key: str | None) -> SettingsResult:
        return await _change(info, apps.register_sm2_key(actor=_actor(info), app_id=app_id, public_key=public_key))

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.DEVELOPER)],
        description=("Register (or with null, remove) the app's SM2 encryption public key: from then on its request "
                     "and answer bodies and its webhooks are digital envelopes (openplatform/PROTOCOL.md)."),
    )
    async def register_mini_app_encryption_key(self, info: Info, app_id: MiniAppId,
                                               public_key: str | None) -> SettingsResult:
        return await _change(info, apps.register_encryption_key(actor=_actor(info), app_id=app_id,
                                                                public_key=public_key))


@strawberry.type
class OpenPlatformSubscription:
    @strawberry.subscription(extensions=requires(Role.CUSTOMER), description="Your new inbox messages, as they arrive.")
    async def inbox_messages(self, info: Info) -> AsyncGenerator[InboxMessage, None]:
        runtime, user_id = info.context.runtime, info.context.principal.user_id
        async with runtime.broker.subscribe(inbox_topic(user_id)) as notices:
            async for notice in notices:
                found = await runtime.openplatform.inbox_message(user_id=user_id, message_id=int(notice["id"]))
                if found is not None:  # a notice of a message whose transaction rolled back shows nothing
                    yield InboxMessage.of(found)
