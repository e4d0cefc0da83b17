from tortoise import fields
from infra.models import Model

from miniprograms.etc.vocabulary import CardStatus, DebitKind, DebitStatus, DebtStatus, DisputeStatus, PreauthStatus


class EtcCard(Model):
    """An ETC card for one plate, on its customer's Class II account under a direct-debit mandate."""

    id = fields.BigIntField(primary_key=True)
    number = fields.CharField(max_length=20, unique=True)
    plate = fields.CharField(max_length=8, db_index=True)
    # The plate while the card is not cancelled, NULL after: one live card per plate.
    live_plate = fields.CharField(max_length=8, null=True, unique=True)
    owner_user_id = fields.BigIntField(db_index=True)
    account_id = fields.BigIntField()
    mandate_id = fields.BigIntField()
    status = fields.CharEnumField(CardStatus, max_length=10, default=CardStatus.ACTIVE)
    failures = fields.IntField(default=0)  # insufficient-funds refusals since the last paid debt
    blacklisted_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    cancelled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "etc_card"


class EtcMerchant(Model):
    """An open-platform app that debits ETC cards, for a merchant enterprise (toll road, car park, ...)."""

    id = fields.BigIntField(primary_key=True)
    app_id = fields.CharField(max_length=32, unique=True)
    enterprise_id = fields.BigIntField()
    account_id = fields.BigIntField()
    category = fields.CharField(max_length=24)
    name = fields.CharField(max_length=100)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "etc_merchant"


class EtcCardDay(Model):
    """A card's debit attempts and amount on one China Standard Time day: the daily caps."""

    id = fields.BigIntField(primary_key=True)
    card_id = fields.BigIntField()
    day = fields.DateField()
    attempts = fields.IntField(default=0)
    amount = fields.BigIntField(default=0)  # debited, plus what debits in flight have reserved

    class Meta:
        table = "etc_card_day"
        unique_together = (("card_id", "day"),)


class EtcDebit(Model):
    """One merchant request to debit a card, under the merchant's idempotency key."""

    id = fields.BigIntField(primary_key=True)
    merchant = fields.ForeignKeyField("etc.EtcMerchant", related_name="debits", on_delete=fields.RESTRICT)
    idempotency_key = fields.CharField(max_length=128)
    fingerprint = fields.CharField(max_length=64)
    kind = fields.CharEnumField(DebitKind, max_length=8, default=DebitKind.DEBIT)
    plate = fields.CharField(max_length=16)
    card_id = fields.BigIntField(null=True, db_index=True)
    owner_user_id = fields.BigIntField(null=True, db_index=True)
    amount = fields.BigIntField()
    status = fields.CharEnumField(DebitStatus, max_length=10, default=DebitStatus.PENDING)
    refusal = fields.CharField(max_length=32, null=True)
    entry_id = fields.BigIntField(null=True)
    preauth_id = fields.BigIntField(null=True)
    day = fields.DateField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "etc_debit"
        unique_together = (("merchant", "idempotency_key"),)
        indexes = (("merchant_id", "day"), ("card_id", "day"))


class EtcPreauth(Model):
    """A car park's hold at entry, captured at exit or released."""

    id = fields.BigIntField(primary_key=True)
    merchant = fields.ForeignKeyField("etc.EtcMerchant", related_name="preauths", on_delete=fields.RESTRICT)
    idempotency_key = fields.CharField(max_length=128)
    fingerprint = fields.CharField(max_length=64)
    card_id = fields.BigIntField()
    hold_id = fields.BigIntField(null=True)
    amount = fields.BigIntField()
    status = fields.CharEnumField(PreauthStatus, max_length=10, default=PreauthStatus.HELD)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "etc_preauth"
        unique_together = (("merchant", "idempotency_key"),)


class EtcDebt(Model):
    """What an unpaid debit leaves owing to the merchant, repaid from the next money in."""

    id = fields.BigIntField(primary_key=True)
    debit = fields.OneToOneField("etc.EtcDebit", related_name="debt", on_delete=fields.RESTRICT)
    card_id = fields.BigIntField(db_index=True)
    account_id = fields.BigIntField(db_index=True)
    amount = fields.BigIntField()
    status = fields.CharEnumField(DebtStatus, max_length=8, default=DebtStatus.OPEN)
    entry_id = fields.BigIntField(null=True)  # the repayment
    created_at = fields.DatetimeField()
    repaid_at = fields.DatetimeField(null=True)

    class Meta:
        table = "etc_debt"


class EtcDispute(Model):
    """A customer's dispute of a debit, resolved by an operator: refunded or not."""

    id = fields.BigIntField(primary_key=True)
    debit = fields.OneToOneField("etc.EtcDebit", related_name="dispute", on_delete=fields.RESTRICT)
    owner_user_id = fields.BigIntField(db_index=True)
    reason = fields.CharField(max_length=200)
    status = fields.CharEnumField(DisputeStatus, max_length=10, default=DisputeStatus.OPEN)
    resolved_by_user_id = fields.BigIntField(null=True)
    note = fields.CharField(max_length=200, default="")
    refund_entry_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "etc_dispute"
