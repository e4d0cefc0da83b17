from tortoise import fields
from infra.models import Model

from monitoring.vocabulary import ReviewStatus


class RuleConfig(Model):
    """An operator's setting of one monitoring rule (a rule without a row runs on its defaults)."""

    name = fields.CharField(max_length=32, primary_key=True)
    enabled = fields.BooleanField(default=True)
    action = fields.CharField(max_length=16)
    thresholds = fields.JSONField(default=dict)
    updated_by = fields.CharField(max_length=64)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "monitoring_rule_config"


class HeldMovement(Model):
    """A movement a rule held for review: what to post on release, and the decision taken."""

    id = fields.BigIntField(primary_key=True)
    idempotency_key = fields.CharField(max_length=160, unique=True)  # the movement's own key
    user_id = fields.BigIntField(db_index=True)
    from_account_id = fields.BigIntField()
    amount = fields.BigIntField()
    kind = fields.CharField(max_length=32)
    rule = fields.CharField(max_length=32)
    reason = fields.JSONField(default=dict)  # the message id and its parameters, rendered when read
    pending = fields.JSONField(default=dict)  # ledger.screening.PendingMovement's fields
    status = fields.CharEnumField(ReviewStatus, max_length=16, default=ReviewStatus.HELD, db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    decided_at = fields.DatetimeField(null=True)
    decided_by = fields.CharField(max_length=64, null=True)
    decision_reason = fields.CharField(max_length=500, null=True)
    entry_id = fields.BigIntField(null=True)  # the journal entry a release posted

    class Meta:
        table = "monitoring_held_movement"
