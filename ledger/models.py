from tortoise import fields
from infra.models import Model

from ledger.errors import DeclineCode
from ledger.kinds import CURRENCY, AccountKind, AccountStatus
from ledger.vocabulary import CardTokenStatus, EnterpriseRole, HoldStatus, MandateStatus, MerchantCategory


class Account(Model):
    """An account in integer fen whose balance only postings change."""

    id = fields.BigIntField(primary_key=True)
    owner_user_id = fields.BigIntField(null=True, db_index=True)
    kind = fields.CharEnumField(AccountKind, max_length=16)
    name = fields.CharField(max_length=64)
    currency = fields.CharField(max_length=3, default=CURRENCY)
    balance = fields.BigIntField(default=0)
    # The sum of the account's active holds; what may leave it is balance - held.
    held = fields.BigIntField(default=0, db_default=0)  # db_default: rows opened before holds get 0
    status = fields.CharEnumField(AccountStatus, max_length=8, default=AccountStatus.ACTIVE)
    opening_key = fields.CharField(max_length=128, null=True, unique=True)
    # Class I only: the bound card, encrypted, with a blind index to find duplicates.
    card_ciphertext = fields.TextField(null=True)
    card_index = fields.CharField(max_length=64, null=True, db_index=True)
    card_masked = fields.CharField(max_length=32, null=True)
    # Class II, enterprise and merchant accounts: the number customers know it by (Luhn-checked).
    number = fields.CharField(max_length=19, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "ledger_account"


class JournalEntry(Model):
    """One movement of money, never edited: its postings sum to zero."""

    id = fields.BigIntField(primary_key=True)
    idempotency_key = fields.CharField(max_length=160, unique=True)
    fingerprint = fields.CharField(max_length=64)
    kind = fields.CharField(max_length=32)
    memo = fields.CharField(max_length=140, default="")
    currency = fields.CharField(max_length=3, default=CURRENCY)
    reverses = fields.OneToOneField(
        "ledger.JournalEntry", related_name="reversed_by", null=True, on_delete=fields.RESTRICT
    )
    # A capture: the hold it drew on.
    hold = fields.ForeignKeyField("ledger.Hold", related_name="captures", null=True, on_delete=fields.RESTRICT)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ledger_journal_entry"


class Posting(Model):
    """One leg of an entry: a signed amount on one account (positive adds to its balance)."""

    id = fields.BigIntField(primary_key=True)
    entry = fields.ForeignKeyField("ledger.JournalEntry", related_name="postings", on_delete=fields.RESTRICT)
    account = fields.ForeignKeyField("ledger.Account", related_name="postings", on_delete=fields.RESTRICT)
    amount = fields.BigIntField()
    balance_after = fields.BigIntField()
    # Outbound money of a Class II account counted against its daily and yearly limits.
    counts_toward_limits = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ledger_posting"
        # (entry_id): an idempotent retry and a statement read an entry's postings by it.
        indexes = (("account_id", "created_at"), ("entry_id",))


class PaymentPin(Model):
    """A customer's 6-digit payment PIN as an Argon2 hash, with its wrong-try counter."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.BigIntField(unique=True)
    pin_hash = fields.CharField(max_length=200)
    failed_attempts = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "ledger_payment_pin"


class DeclinedRequest(Model):
    """A money movement refused because of the state of its accounts, kept under its key.

    A retry with the key gets the same refusal instead of being evaluated again: the key's
    answer never changes from a refusal into moved money.
    """

    id = fields.BigIntField(primary_key=True)
    idempotency_key = fields.CharField(max_length=160, unique=True)
    fingerprint = fields.CharField(max_length=64)
    code = fields.CharEnumField(DeclineCode, max_length=32)
    detail = fields.TextField()  # JSON of the error's detail()
    created_at = fields.DatetimeField()

    class Meta:
        table = "ledger_declined_request"


class Hold(Model):
    """An amount reserved on an account: captured (in one or more entries) or released.

    ``amount`` = ``captured`` + ``released`` + ``remaining`` at all times; while it is active
    its ``remaining`` counts in the account's ``held``.
    """

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("ledger.Account", related_name="holds", on_delete=fields.RESTRICT)
    amount = fields.BigIntField()
    captured = fields.BigIntField(default=0)
    released = fields.BigIntField(default=0)
    remaining = fields.BigIntField()
    status = fields.CharEnumField(HoldStatus, max_length=10, default=HoldStatus.ACTIVE)
    idempotency_key = fields.CharField(max_length=160, unique=True)
    fingerprint = fields.CharField(max_length=64)
    memo = fields.CharField(max_length=140, default="")
    placed_by = fields.CharField(max_length=80)
    expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "ledger_hold"
        indexes = (("account_id", "status"),)


class Enterprise(Model):
    """A business customer: its legal name, unified social credit code and settlement account.

    A merchant (toll road, car park, the lottery prize pool, ...) is an enterprise with a
    ``merchant_category``; its account is then a merchant account.
    """

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=100)
    credit_code = fields.CharField(max_length=18, unique=True)
    merchant_category = fields.CharEnumField(MerchantCategory, max_length=24, null=True)
    account = fields.OneToOneField("ledger.Account", related_name="enterprise", on_delete=fields.RESTRICT)
    opened_by_user_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ledger_enterprise"


class EnterpriseMember(Model):
    """A signed-in user holding one role in one enterprise (a user may hold several)."""

    id = fields.BigIntField(primary_key=True)
    enterprise = fields.ForeignKeyField("ledger.Enterprise", related_name="members", on_delete=fields.RESTRICT)
    user_id = fields.BigIntField(db_index=True)
    role = fields.CharEnumField(EnterpriseRole, max_length=16)
    added_by_user_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ledger_enterprise_member"
        unique_together = (("enterprise", "user_id", "role"),)


class Mandate(Model):
    """A customer's standing consent that one bank service may debit one of their accounts."""

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("ledger.Account", related_name="mandates", on_delete=fields.RESTRICT)
    owner_user_id = fields.BigIntField(db_index=True)
    service = fields.CharField(max_length=80)
    reference = fields.CharField(max_length=64)  # the service's own name for it (an ETC card number)
    per_debit_max = fields.BigIntField()
    status = fields.CharEnumField(MandateStatus, max_length=8, default=MandateStatus.ACTIVE)
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "ledger_mandate"
        unique_together = (("service", "reference"),)


class CardToken(Model):
    """The number one app knows a bound card by: never the card's own, useless to any other app.

    The vault's row: only the ledger maps it back to its card (Class I account).
    """

    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("ledger.Account", related_name="card_tokens", on_delete=fields.RESTRICT)
    app_id = fields.CharField(max_length=32, db_index=True)
    token = fields.CharField(max_length=19, unique=True)
    status = fields.CharEnumField(CardTokenStatus, max_length=10, default=CardTokenStatus.ACTIVE)
    created_at = fields.DatetimeField(auto_now_add=True)
    suspended_at = fields.DatetimeField(null=True)

    class Meta:
        table = "ledger_card_token"
        # One token per (card, app): two apps' tokens for one card differ, and a card asked
        # for twice at once by one app still gets one.
        unique_together = (("account", "app_id"),)
