from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='AppImage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('app_id', fields.CharField(max_length=32)),
                ('user_id', fields.BigIntField()),
                ('digest', fields.CharField(max_length=64)),
                ('format', fields.CharField(max_length=8)),
                ('width', fields.IntField()),
                ('height', fields.IntField()),
                ('size', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'mp_runtime_app_image', 'app': 'miniprogram_runtime', 'indexes': [Index(fields=['app_id', 'user_id'])], 'pk_attr': 'id', 'table_description': 'An image a user chose for an app, re-encoded without metadata and stored by digest.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BridgeCallRecord',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('app_id', fields.CharField(max_length=32)),
                ('user_id', fields.BigIntField()),
                ('api', fields.CharField(max_length=48)),
                ('version', fields.CharField(null=True, max_length=64)),
                ('outcome', fields.CharField(max_length=32)),
                ('duration_us', fields.IntField()),
                ('called_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'mp_runtime_bridge_call', 'app': 'miniprogram_runtime', 'indexes': [Index(fields=['app_id', 'called_at']), Index(fields=['user_id', 'called_at'])], 'pk_attr': 'id', 'table_description': 'The audit trail: one row per bridge call, allowed or refused, written in batches.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ConsentGrant',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user_id', fields.BigIntField()),
                ('app_id', fields.CharField(max_length=32)),
                ('scope', fields.CharField(max_length=32)),
                ('granted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'mp_runtime_consent_grant', 'app': 'miniprogram_runtime', 'unique_together': (('user_id', 'app_id', 'scope'),), 'pk_attr': 'id', 'table_description': "A user's consent that one app may use one scope (a revoke keeps the row, dated)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StorageItem',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('app_id', fields.CharField(max_length=32)),
                ('user_id', fields.BigIntField()),
                ('key', fields.CharField(max_length=128)),
                ('value', fields.TextField(unique=False)),
                ('size', fields.IntField()),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'mp_runtime_storage_item', 'app': 'miniprogram_runtime', 'unique_together': (('app_id', 'user_id', 'key'),), 'pk_attr': 'id', 'table_description': "One key of a mini-program's per-user storage, the value as JSON text."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StorageUsage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('app_id', fields.CharField(max_length=32)),
                ('user_id', fields.BigIntField()),
                ('storage_bytes', fields.BigIntField(default=0)),
                ('image_bytes', fields.BigIntField(default=0)),
            ],
            options={'table': 'mp_runtime_storage_usage', 'app': 'miniprogram_runtime', 'unique_together': (('app_id', 'user_id'),), 'pk_attr': 'id', 'table_description': "Bytes a user's storage and images take in one app: locked while a write checks its quota."},
            bases=['Model'],
        ),
    ]
