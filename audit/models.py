from tortoise import fields
from infra.models import Model


class AuditRecord(Model):
    """One operator action, chained to the one before it.

    ``digest`` is HMAC-SHA256, keyed with a key derived from the server's secret, over the
    previous record's digest and this record's canonical content: a row edited, deleted or
    moved breaks the chain from there on, and without the key it cannot be recomputed.
    """

    seq = fields.BigIntField(primary_key=True)  # 1, 2, 3 ... without gaps: set by record(), never by the database
    at = fields.DatetimeField()
    actor = fields.CharField(max_length=64)  # "user:12", "service:payroll"
    action = fields.CharField(max_length=64, db_index=True)  # "ledger.account_frozen"
    subject = fields.CharField(max_length=128, db_index=True)  # "account:42"
    detail = fields.JSONField(default=dict)
    previous = fields.CharField(max_length=64)
    digest = fields.CharField(max_length=64)

    class Meta:
        table = "audit_record"


class AuditHead(Model):
    """The chain's last link, one row: appends lock it, so they take their turns."""

    id = fields.IntField(primary_key=True)  # always 1
    seq = fields.BigIntField(default=0)
    digest = fields.CharField(max_length=64, default="")

    class Meta:
        table = "audit_head"
