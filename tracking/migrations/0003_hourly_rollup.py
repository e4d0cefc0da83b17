from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tracking.rollups import rebuild


async def _count_stored_events(apps, schema_editor) -> None:
    """Events stored before the rollups existed are counted into them once."""
    await rebuild(schema_editor.client)
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('tracking', '0002_vouched_by')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DeviceHour',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('hour_ms', fields.BigIntField()),
                ('app_id', fields.CharField(max_length=64)),
                ('anonymous_id', fields.CharField(max_length=64)),
                ('user_id', fields.CharField(default='', max_length=64)),
                ('events', fields.IntField()),
                ('first_ms', fields.BigIntField()),
            ],
            options={'table': 'tracking_device_hour', 'app': 'tracking', 'unique_together': (('hour_ms', 'app_id', 'anonymous_id', 'user_id'),), 'pk_attr': 'id', 'table_description': "A device's (and user's) activity in one UTC hour of one app: what retention reads."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='HourlyRollup',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('hour_ms', fields.BigIntField()),
                ('app_id', fields.CharField(max_length=64)),
                ('name', fields.CharField(max_length=128)),
                ('page', fields.CharField(default='', max_length=512)),
                ('placement', fields.CharField(default='', max_length=256)),
                ('anonymous_id', fields.CharField(max_length=64)),
                ('user_id', fields.CharField(default='', max_length=64)),
                ('events', fields.IntField()),
                ('first_ms', fields.BigIntField()),
                ('last_ms', fields.BigIntField()),
            ],
            options={'table': 'tracking_hourly', 'app': 'tracking', 'unique_together': (('hour_ms', 'app_id', 'name', 'page', 'placement', 'anonymous_id', 'user_id'),), 'pk_attr': 'id', 'table_description': 'Events of one device (and user) per UTC hour, app, name, page and placement.'},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='TrackedEvent',
            index=Index(fields=['event_ms']),
        ),
        ops.RunPython(_count_stored_events, ops.RunPython.noop),
    ]
