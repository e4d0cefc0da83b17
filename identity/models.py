from tortoise import fields
from infra.models import Model


class User(Model):
    """A person known by a mainland mobile number, kept encrypted."""

    id = fields.BigIntField(primary_key=True)
    phone_index = fields.CharField(max_length=64, unique=True)
    phone_ciphertext = fields.TextField()
    roles = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "identity_user"


class LoginSession(Model):
    """One login on one device, whose refresh tokens form a family that is revoked together."""

    id = fields.UUIDField(primary_key=True)
    user = fields.ForeignKeyField("identity.User", related_name="sessions")
    device_id = fields.CharField(max_length=128)
    device_name = fields.CharField(max_length=128)
    platform = fields.CharField(max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)
    revoke_reason = fields.CharField(max_length=32, null=True)

    class Meta:
        table = "identity_login_session"


class RefreshToken(Model):
    id = fields.BigIntField(primary_key=True)
    session = fields.ForeignKeyField("identity.LoginSession", related_name="refresh_tokens")
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "identity_refresh_token"


class SmsOutbox(Model):
    """The development SMS gateway: messages land here instead of on a phone."""

    id = fields.BigIntField(primary_key=True)
    phone_index = fields.CharField(max_length=64, db_index=True)
    phone_ciphertext = fields.TextField()
    body = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "identity_sms_outbox"
