from tortoise import fields
from infra.models import Model


class ConsentGrant(Model):
    """A user's consent that one app may use one scope (a revoke keeps the row, dated)."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.BigIntField()
    app_id = fields.CharField(max_length=32)
    scope = fields.CharField(max_length=32)
    granted_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "mp_runtime_consent_grant"
        unique_together = (("user_id", "app_id", "scope"),)


class BridgeCallRecord(Model):
    """The audit trail: one row per bridge call, allowed or refused, written in batches."""

    id = fields.BigIntField(primary_key=True)
    app_id = fields.CharField(max_length=32)
    user_id = fields.BigIntField()
    api = fields.CharField(max_length=48)
    version = fields.CharField(max_length=64, null=True)
    outcome = fields.CharField(max_length=32)  # OK or the refusal code
    duration_us = fields.IntField()
    called_at = fields.DatetimeField()

    class Meta:
        table = "mp_runtime_bridge_call"
        indexes = (("app_id", "called_at"), ("user_id", "called_at"))


class StorageItem(Model):
    """One key of a mini-program's per-user storage, the value as JSON text."""

    id = fields.BigIntField(primary_key=True)
    app_id = fields.CharField(max_length=32)
    user_id = fields.BigIntField()
    key = fields.CharField(max_length=128)
    value = fields.TextField()
    size = fields.IntField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "mp_runtime_storage_item"
        unique_together = (("app_id", "user_id", "key"),)


class StorageUsage(Model):
    """Bytes a user's storage and images take in one app: locked while a write checks its quota."""

    id = fields.BigIntField(primary_key=True)
    app_id = fields.CharField(max_length=32)
    user_id = fields.BigIntField()
    storage_bytes = fields.BigIntField(default=0)
    image_bytes = fields.BigIntField(default=0)

    class Meta:
        table = "mp_runtime_storage_usage"
        unique_together = (("app_id", "user_id"),)


class AppImage(Model):
    """An image a user chose for an app, re-encoded without metadata and stored by digest."""

    id = fields.BigIntField(primary_key=True)
    app_id = fields.CharField(max_length=32)
    user_id = fields.BigIntField()
    digest = fields.CharField(max_length=64)
    format = fields.CharField(max_length=8)
    width = fields.IntField()
    height = fields.IntField()
    size = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "mp_runtime_app_image"
        indexes = (("app_id", "user_id"),)
