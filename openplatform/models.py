from tortoise import fields
from infra.models import Model


class OpenAppSettings(Model):
    """An app's open-platform settings: its SM2 public key and webhook URL."""

    id = fields.BigIntField(primary_key=True)
    app_id = fields.CharField(max_length=32, unique=True)
    sm2_public_key = fields.CharField(max_length=130, null=True)  # hex, x||y without the 04 prefix
    webhook_url = fields.CharField(max_length=500, null=True)
    # Set: request and answer bodies and webhooks are digital envelopes to and from this key (envelope.py).
    encryption_public_key = fields.CharField(max_length=130, null=True)  # hex x||y, like sm2_public_key
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "openplatform_app_settings"


class OpenIdentity(Model):
    """A user as one app sees them: the openid and unionid handed to the partner.

    Both are keyed HMACs of the user id, kept here so they never change (even when the
    server key rotates) and so an openid can be turned back into a user by us alone.
    """

    id = fields.BigIntField(primary_key=True)
    app_id = fields.CharField(max_length=32)
    user_id = fields.BigIntField(db_index=True)
    openid = fields.CharField(max_length=64, unique=True)
    unionid = fields.CharField(max_length=64, db_index=True)
    session_key_hash = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "openplatform_identity"
        unique_together = (("app_id", "user_id"),)


class Order(Model):
    """An order made by the partner server for one user, paid in the mini-program by its prepay id.

    The amount and description are the server's, never the page's. ``attempt`` numbers the
    ledger keys of payment attempts: a declined attempt moves it on, so the user may try again
    (after a top-up) under a new key while concurrent attempts share one.
    """

    id = fields.BigIntField(primary_key=True)
    app_id = fields.CharField(max_length=32)
    order_id = fields.CharField(max_length=64)  # the partner's own id
    prepay_id = fields.CharField(max_length=40, unique=True)
    user_id = fields.BigIntField(db_index=True)
    openid = fields.CharField(max_length=64)
    amount_fen = fields.BigIntField()
    description = fields.CharField(max_length=140)
    status = fields.CharField(max_length=12)  # unpaid | paid | closed (expired is unpaid past expires_at)
    sandbox = fields.BooleanField(default=False)
    attempt = fields.IntField(default=0)
    expires_at = fields.DatetimeField()
    paid_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "openplatform_order"
        unique_together = (("app_id", "order_id"),)


class Payment(Model):
    """A user's payment to an app's merchant account, made through the ledger."""

    id = fields.BigIntField(primary_key=True)
    payment_id = fields.CharField(max_length=40, unique=True)
    app_id = fields.CharField(max_length=32, db_index=True)
    user_id = fields.BigIntField(db_index=True)
    order_id = fields.CharField(max_length=64, null=True)  # the partner's order this paid
    openid = fields.CharField(max_length=64, null=True)
    sandbox = fields.BooleanField(default=False)
    from_account_id = fields.BigIntField()
    merchant_account_id = fields.BigIntField()
    amount_fen = fields.BigIntField()  # what the merchant received: the order's amount
    discount_fen = fields.BigIntField(default=0)  # of it, a coupon's discount paid by its campaign's budget
    coupon_id = fields.BigIntField(null=True)  # marketing's coupon applied
    discount_account_id = fields.BigIntField(null=True)  # the campaign budget account that paid the discount
    discount_refunded_fen = fields.BigIntField(default=0)  # of the discount, given back to it by refunds
    refunded_fen = fields.BigIntField(default=0)
    status = fields.CharField(max_length=20)
    description = fields.CharField(max_length=140)
    idempotency_key = fields.CharField(max_length=128)
    entry_id = fields.BigIntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "openplatform_payment"
        unique_together = (("app_id", "idempotency_key"),)


class Refund(Model):
    """Money given back from a payment, a new ledger entry each, never above what was paid."""

    id = fields.BigIntField(primary_key=True)
    refund_id = fields.CharField(max_length=40, unique=True)
    payment = fields.ForeignKeyField("openplatform.Payment", related_name="refunds", on_delete=fields.RESTRICT)
    app_id = fields.CharField(max_length=32)
    amount_fen = fields.BigIntField()
    reason = fields.CharField(max_length=140, default="")
    idempotency_key = fields.CharField(max_length=128)
    entry_id = fields.BigIntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "openplatform_refund"
        unique_together = (("app_id", "idempotency_key"),)


class SubscriptionConsent(Model):
    """One message the user agreed to receive from an app on a topic, used up by sending."""

    id = fields.BigIntField(primary_key=True)
    app_id = fields.CharField(max_length=32)
    user_id = fields.BigIntField()
    topic = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    consumed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "openplatform_subscription_consent"
        indexes = (("app_id", "user_id", "topic"),)


class InboxMessage(Model):
    """A message an app sent to a user's in-app inbox."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.BigIntField()
    app_id = fields.CharField(max_length=32)
    topic = fields.CharField(max_length=64)
    title = fields.CharField(max_length=100)
    body = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)
    read_at = fields.DatetimeField(null=True)
    deleted_at = fields.DatetimeField(null=True)  # the customer deleted it: kept, never shown again

    class Meta:
        table = "openplatform_inbox_message"
        indexes = (("user_id", "id"),)


class WebhookDelivery(Model):
    """One event for an app's webhook: the outbox row the worker delivers with retries."""

    id = fields.BigIntField(primary_key=True)
    app_id = fields.CharField(max_length=32, db_index=True)
    event_id = fields.CharField(max_length=40, unique=True)
    event_type = fields.CharField(max_length=40)
    payload = fields.JSONField()
    status = fields.CharField(max_length=12, default="pending")  # pending | delivered | dead
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    last_error = fields.CharField(max_length=300, null=True)
    last_status_code = fields.IntField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "openplatform_webhook_delivery"
        indexes = (("status", "next_attempt_at"),)


class OpenApiResponse(Model):
    """The stored answer to a POST with an Idempotency-Key, replayed for the same request."""

    id = fields.BigIntField(primary_key=True)
    app_id = fields.CharField(max_length=32)
    idempotency_key = fields.CharField(max_length=128)
    fingerprint = fields.CharField(max_length=64)  # method, path and body digest
    status_code = fields.IntField(null=True)  # null while the first request is running
    body = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "openplatform_openapi_response"
        unique_together = (("app_id", "idempotency_key"),)
