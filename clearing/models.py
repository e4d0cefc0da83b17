from tortoise import fields
from infra.models import Model

from clearing.kinds import MovementKind, MovementStatus, QuarantineReason


class CardMovement(Model):
    """One movement through the card network, from the bank's side: its request, its state
    and the ledger entries that moved its money.

    A top-up is credited only once the network confirms it (``final_entry_id``); a
    withdrawal's money leaves the Class II account at once for the in-transit account
    (``pending_entry_id``) and is settled or reversed (``final_entry_id``) on the result.
    Inbound credits from other banks are recorded here too, refused ones as RETURNED.
    """

    id = fields.BigIntField(primary_key=True)
    request_id = fields.CharField(max_length=64, unique=True)  # the network's requestId
    kind = fields.CharEnumField(MovementKind, max_length=12)
    status = fields.CharEnumField(MovementStatus, max_length=12, default=MovementStatus.PENDING)
    user_id = fields.BigIntField(null=True)
    account_id = fields.BigIntField(null=True)  # the customer's Class II account
    card_account_id = fields.BigIntField(null=True)  # the bound card (Class I account)
    card_masked = fields.CharField(max_length=32, null=True)
    amount = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    client_key = fields.CharField(max_length=64, null=True)  # the customer's idempotency key
    fingerprint = fields.CharField(max_length=64, null=True)  # what the customer asked, to tell a retry
    network_ref = fields.CharField(max_length=32, null=True)
    at_network = fields.BooleanField(default=False)  # the network said it knows this movement
    decline_reason = fields.CharField(max_length=64, null=True)
    pending_entry_id = fields.BigIntField(null=True)
    final_entry_id = fields.BigIntField(null=True)
    payer_masked = fields.CharField(max_length=64, null=True)  # inbound: the sender's name, masked
    payer_bank = fields.CharField(max_length=64, null=True)
    business_day = fields.DateField()  # the China Standard Time day it settled (or was asked for)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    settled_at = fields.DatetimeField(null=True)  # when the network settled it, by its clock
    next_query_at = fields.DatetimeField(null=True)  # pending: when the background step asks the network
    queries = fields.IntField(default=0)

    class Meta:
        table = "clearing_movement"
        unique_together = (("user_id", "client_key"),)
        indexes = (("status", "next_query_at"), ("business_day",), ("status", "created_at"))


class QuarantinedNotification(Model):
    """What the network told that could not be booked: a result whose amount, currency or
    kind differs from the request, or that contradicts an outcome already recorded. Kept
    for an operator; nothing is credited from it."""

    id = fields.BigIntField(primary_key=True)
    request_id = fields.CharField(max_length=64)
    network_ref = fields.CharField(max_length=32, null=True)
    reason = fields.CharEnumField(QuarantineReason, max_length=24)
    expected_amount = fields.BigIntField(null=True)
    notified_amount = fields.BigIntField(null=True)
    expected_currency = fields.CharField(max_length=3, null=True)
    notified_currency = fields.CharField(max_length=3, null=True)
    notified_status = fields.CharField(max_length=12, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "clearing_quarantined_notification"
        unique_together = (("request_id", "reason"),)
