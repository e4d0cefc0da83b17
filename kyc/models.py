from enum import Enum

from tortoise import fields
from infra.models import Model


class State(str, Enum):
    STARTED = "started"
    DOCUMENTS_READ = "documents_read"
    FACE_VERIFIED = "face_verified"
    RISK_CHECKED = "risk_checked"
    OPENED = "opened"
    REJECTED = "rejected"
    MANUAL_REVIEW = "manual_review"

    @property
    def final(self) -> bool:
        return self in (State.OPENED, State.REJECTED)


class KycApplication(Model):
    """One customer's online Class II account opening, from first upload to decision.

    Personal data is only ever stored encrypted (``*_ct``, PiiCipher with a key id), with a
    blind index of the ID number for lookups and masked copies for display.
    """

    id = fields.BigIntField(primary_key=True)
    user_id = fields.BigIntField(db_index=True)
    state = fields.CharEnumField(State, max_length=16, default=State.STARTED)
    reasons = fields.JSONField(default=list)
    front_ct = fields.TextField(null=True)  # the front's reading: name, number, address, ...
    back_ct = fields.TextField(null=True)
    front_ok = fields.BooleanField(default=False)
    back_ok = fields.BooleanField(default=False)
    id_index = fields.CharField(max_length=64, null=True, db_index=True)
    id_masked = fields.CharField(max_length=32, null=True)
    name_masked = fields.CharField(max_length=64, null=True)
    face_score = fields.FloatField(null=True)
    liveness_passed = fields.BooleanField(null=True)
    risk_outcome = fields.CharField(max_length=16, null=True)  # open | reject | review, kept for resuming
    document_attempts = fields.IntField(default=0)
    face_attempts = fields.IntField(default=0)
    account_id = fields.BigIntField(null=True)
    # Unique while the person holds an open Class II account here: two concurrent
    # applications of one person cannot both open one.
    open_person_index = fields.CharField(max_length=64, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "kyc_application"


class KycImage(Model):
    """An uploaded image, encrypted, whose ciphertext is dropped after the retention period."""

    id = fields.BigIntField(primary_key=True)
    application = fields.ForeignKeyField("kyc.KycApplication", related_name="images", on_delete=fields.CASCADE)
    kind = fields.CharField(max_length=16)  # front, back, selfie, frame_1 ...
    ciphertext = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    purged_at = fields.DatetimeField(null=True)

    class Meta:
        table = "kyc_image"


class KycTransition(Model):
    """The audit trail: every change of state, who made it and why."""

    id = fields.BigIntField(primary_key=True)
    application = fields.ForeignKeyField("kyc.KycApplication", related_name="transitions", on_delete=fields.CASCADE)
    from_state = fields.CharField(max_length=16, null=True)
    to_state = fields.CharField(max_length=16)
    actor = fields.CharField(max_length=64)  # customer:<id>, reviewer:<id>, system
    reason = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "kyc_transition"


class KycBlacklistEntry(Model):
    """An ID number refused account opening, held only as its blind index."""

    id = fields.BigIntField(primary_key=True)
    id_index = fields.CharField(max_length=64, unique=True)
    reason = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "kyc_blacklist"
