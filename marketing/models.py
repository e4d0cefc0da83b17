"""Marketing's tables: segments and their precomputed members, campaigns with their audit
trail, coupons issued, and the variant each customer was assigned (for the sample-ratio check)."""

from __future__ import annotations

from tortoise import fields
from infra.models import Model


class Segment(Model):
    """An audience defined by a rule over profile and behaviour (marketing.rules)."""

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=64)
    rule = fields.JSONField()  # canonical JSON of the parsed rule
    created_by = fields.BigIntField()
    member_count = fields.IntField(default=0)
    refreshed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "marketing_segment"


class SegmentMember(Model):
    """A customer in a segment as of its last refresh (or the last real-time check of them)."""

    id = fields.BigIntField(primary_key=True)
    segment = fields.ForeignKeyField("marketing.Segment", related_name="members", on_delete=fields.CASCADE)
    user_id = fields.BigIntField(db_index=True)

    class Meta:
        table = "marketing_segment_member"
        unique_together = (("segment", "user_id"),)


class Campaign(Model):
    """A campaign through its life: draft, submitted, approved, scheduled, live, paused, ended."""

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=64)
    state = fields.CharField(max_length=16, default="draft")
    created_by = fields.BigIntField()  # the maker
    approved_by = fields.BigIntField(null=True)  # the checker, never the maker
    segment = fields.ForeignKeyField("marketing.Segment", related_name="campaigns", null=True,
                                     on_delete=fields.RESTRICT)
    segment_id: int | None  # the foreign key's column, for type checkers
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    cron = fields.CharField(max_length=64, null=True)  # occurrences in China Standard Time
    occurrence_minutes = fields.IntField(null=True)  # how long each occurrence lasts
    placements = fields.JSONField(default=list)  # [{"kind": "HOME_BANNER", "title": ..., ...}]
    variants = fields.JSONField(default=list)  # [{"key": "A", "weight": 50, "title": ...}]
    holdout_percent = fields.IntField(default=0)
    cap_count = fields.IntField(null=True)  # shown at most cap_count times per cap_hours per customer
    cap_hours = fields.IntField(null=True)
    budget_fen = fields.BigIntField(default=0)
    spent_fen = fields.BigIntField(default=0)
    coupon_fen = fields.BigIntField(null=True)  # each coupon's face value; null: no coupons
    coupon_valid_days = fields.IntField(null=True)
    reward_fen = fields.BigIntField(null=True)  # a cash reward per customer instead of a coupon
    budget_account_id = fields.BigIntField(null=True)  # the bank's account the rewards (or coupons' discounts) are paid from
    coupon_app_id = fields.CharField(max_length=32, null=True)  # the mini-program whose payments take the coupons
    stock = fields.IntField(default=0)  # coupons or rewards, at most one per customer
    issued = fields.IntField(default=0)
    # Inbox and push placements are sent once to the audience, page by page from this user id.
    delivered_through = fields.BigIntField(default=0)
    delivered_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "marketing_campaign"
        indexes = (("state", "starts_at"),)


class CampaignTransition(Model):
    id = fields.BigIntField(primary_key=True)
    campaign = fields.ForeignKeyField("marketing.Campaign", related_name="transitions", on_delete=fields.CASCADE)
    from_state = fields.CharField(max_length=16, null=True)
    to_state = fields.CharField(max_length=16)
    actor_user_id = fields.BigIntField(null=True)  # null: the scheduler
    note = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "marketing_campaign_transition"


class Coupon(Model):
    """One coupon issued to one customer: at most one per campaign and customer."""

    id = fields.BigIntField(primary_key=True)
    campaign = fields.ForeignKeyField("marketing.Campaign", related_name="coupons", on_delete=fields.RESTRICT)
    user_id = fields.BigIntField(db_index=True)
    amount_fen = fields.BigIntField()
    variant = fields.CharField(max_length=16, null=True)
    issued_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    redeemed_at = fields.DatetimeField(null=True)
    redeemed_for = fields.CharField(max_length=64, null=True)  # the payment it was applied to

    class Meta:
        table = "marketing_coupon"
        unique_together = (("campaign", "user_id"),)


class Assignment(Model):
    """The variant (or holdout) a customer was first shown of a campaign."""

    id = fields.BigIntField(primary_key=True)
    campaign = fields.ForeignKeyField("marketing.Campaign", related_name="assignments", on_delete=fields.CASCADE)
    user_id = fields.BigIntField()
    variant = fields.CharField(max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "marketing_assignment"
        unique_together = (("campaign", "user_id"),)


class Reward(Model):
    """A cash reward credited through the ledger: at most one per campaign and customer."""

    id = fields.BigIntField(primary_key=True)
    campaign = fields.ForeignKeyField("marketing.Campaign", related_name="rewards", on_delete=fields.RESTRICT)
    user_id = fields.BigIntField(db_index=True)
    amount_fen = fields.BigIntField()
    entry_id = fields.BigIntField()  # the ledger's journal entry
    variant = fields.CharField(max_length=16, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "marketing_reward"
        unique_together = (("campaign", "user_id"),)


class PushOutbox(Model):
    """A push notification the development gateway 'sent' (a real gateway posts it instead)."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.BigIntField(db_index=True)
    campaign_id = fields.BigIntField()
    title = fields.CharField(max_length=64)
    body = fields.CharField(max_length=256)
    link = fields.CharField(max_length=512, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "marketing_push_outbox"
