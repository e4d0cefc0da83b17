from tortoise import fields
from infra.models import Model

from tracking.vouching import VouchedBy


class TrackedEvent(Model):
    """One user action, stored once: the unique event id is the storage-side dedup key."""

    id = fields.BigIntField(primary_key=True)
    event_id = fields.CharField(max_length=64, unique=True)
    type = fields.CharField(max_length=16)
    name = fields.CharField(max_length=128)
    app_id = fields.CharField(max_length=64, default="")  # "" is the super-app itself
    user_id = fields.CharField(max_length=64, null=True)  # set only when vouched for (see vouched_by)
    vouched_by = fields.CharEnumField(VouchedBy, max_length=16, default=VouchedBy.UNVERIFIED)
    anonymous_id = fields.CharField(max_length=64)
    session_id = fields.CharField(max_length=64, null=True)
    page = fields.CharField(max_length=512, null=True)
    referrer = fields.CharField(max_length=1024, null=True)
    properties = fields.JSONField(default=dict)
    context = fields.JSONField(default=dict)
    device_created_at = fields.DatetimeField(null=True)
    device_sent_at = fields.DatetimeField(null=True)
    received_at = fields.DatetimeField()
    event_at = fields.DatetimeField()  # received minus the time the device held the event
    event_ms = fields.BigIntField()  # event_at as epoch milliseconds, for portable reports
    ip_hash = fields.CharField(max_length=64, null=True)
    stored_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "tracking_event"
        indexes = (("app_id", "event_ms"), ("name", "event_ms"), ("event_ms",))


class IdentityLink(Model):
    """An anonymous device id linked to the user who signed in on it (identify)."""

    anonymous_id = fields.CharField(max_length=64, primary_key=True)
    user_id = fields.CharField(max_length=64)
    linked_at = fields.DatetimeField()

    class Meta:
        table = "tracking_identity_link"


class EventDefinition(Model):
    """A registered event: its name, the JSON Schema of its properties, the owning app."""

    id = fields.BigIntField(primary_key=True)
    app_id = fields.CharField(max_length=64)
    name = fields.CharField(max_length=128)
    json_schema = fields.JSONField()
    description = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "tracking_event_definition"
        unique_together = (("app_id", "name"),)


class AppDeveloper(Model):
    """Who develops which mini-program, until the mini-program registry answers this."""

    id = fields.BigIntField(primary_key=True)
    app_id = fields.CharField(max_length=64)
    user_id = fields.BigIntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "tracking_app_developer"
        unique_together = (("app_id", "user_id"),)


class HourlyRollup(Model):
    """Events of one device (and user) per UTC hour, app, name, page and placement.

    The worker keeps it in the transaction that stores the events, counting only the ones
    newly inserted, so it never counts a duplicate. The visitor is resolved when a report
    reads it (a later identify may link the device), and ``first_ms``/``last_ms`` keep the
    bucket's span, which makes conversion within a window of at least an hour exact.
    """

    id = fields.BigIntField(primary_key=True)
    hour_ms = fields.BigIntField()  # the UTC hour's start, epoch milliseconds
    app_id = fields.CharField(max_length=64)
    name = fields.CharField(max_length=128)
    page = fields.CharField(max_length=512, default="")
    placement = fields.CharField(max_length=256, default="")  # properties.placement when a string
    anonymous_id = fields.CharField(max_length=64)
    user_id = fields.CharField(max_length=64, default="")  # the event's own vouched user, "" if none
    events = fields.IntField()
    first_ms = fields.BigIntField()
    last_ms = fields.BigIntField()

    class Meta:
        table = "tracking_hourly"
        unique_together = (("hour_ms", "app_id", "name", "page", "placement", "anonymous_id", "user_id"),)


class DeviceHour(Model):
    """A device's (and user's) activity in one UTC hour of one app: what retention reads.

    Several rollup rows (one per name, page, placement) fold into one of these, so first-seen
    and active days scan far fewer rows.
    """

    id = fields.BigIntField(primary_key=True)
    hour_ms = fields.BigIntField()
    app_id = fields.CharField(max_length=64)
    anonymous_id = fields.CharField(max_length=64)
    user_id = fields.CharField(max_length=64, default="")
    events = fields.IntField()
    first_ms = fields.BigIntField()

    class Meta:
        table = "tracking_device_hour"
        unique_together = (("hour_ms", "app_id", "anonymous_id", "user_id"),)


class WriteKey(Model):
    """A write key of an app's server, for the Segment-shaped endpoint (/v1/batch): only its hash is kept."""

    id = fields.BigIntField(primary_key=True)
    app_id = fields.CharField(max_length=64, db_index=True)
    key_hash = fields.CharField(max_length=64, unique=True)  # SHA-256 of a 32-byte random key
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "tracking_write_key"
