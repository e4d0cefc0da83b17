from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='AppDeveloper',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('app_id', fields.CharField(max_length=64)),
                ('user_id', fields.BigIntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'tracking_app_developer', 'app': 'tracking', 'unique_together': (('app_id', 'user_id'),), 'pk_attr': 'id', 'table_description': 'Who develops which mini-program, until the mini-program registry answers this.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EventDefinition',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('app_id', fields.CharField(max_length=64)),
                ('name', fields.CharField(max_length=128)),
                ('json_schema', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('description', fields.CharField(default='', max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'tracking_event_definition', 'app': 'tracking', 'unique_together': (('app_id', 'name'),), 'pk_attr': 'id', 'table_description': 'A registered event: its name, the JSON Schema of its properties, the owning app.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='IdentityLink',
            fields=[
                ('anonymous_id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('user_id', fields.CharField(max_length=64)),
                ('linked_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'tracking_identity_link', 'app': 'tracking', 'pk_attr': 'anonymous_id', 'table_description': 'An anonymous device id linked to the user who signed in on it (identify).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TrackedEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event_id', fields.CharField(unique=True, max_length=64)),
                ('type', fields.CharField(max_length=16)),
                ('name', fields.CharField(max_length=128)),
                ('app_id', fields.CharField(default='', max_length=64)),
                ('user_id', fields.CharField(null=True, max_length=64)),
                ('anonymous_id', fields.CharField(max_length=64)),
                ('session_id', fields.CharField(null=True, max_length=64)),
                ('page', fields.CharField(null=True, max_length=512)),
                ('referrer', fields.CharField(null=True, max_length=1024)),
                ('properties', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('context', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('device_created_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('device_sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('event_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('event_ms', fields.BigIntField()),
                ('ip_hash', fields.CharField(null=True, max_length=64)),
                ('stored_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'tracking_event', 'app': 'tracking', 'indexes': [Index(fields=['app_id', 'event_ms']), Index(fields=['name', 'event_ms'])], 'pk_attr': 'id', 'table_description': 'One user action, stored once: the unique event id is the storage-side dedup key.'},
            bases=['Model'],
        ),
    ]
