from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='InboxMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user_id', fields.BigIntField()),
                ('app_id', fields.CharField(max_length=32)),
                ('topic', fields.CharField(max_length=64)),
                ('title', fields.CharField(max_length=100)),
                ('body', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'openplatform_inbox_message', 'app': 'openplatform', 'indexes': [Index(fields=['user_id', 'id'])], 'pk_attr': 'id', 'table_description': "A message an app sent to a user's in-app inbox."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OpenApiResponse',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('app_id', fields.CharField(max_length=32)),
                ('idempotency_key', fields.CharField(max_length=128)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('status_code', fields.IntField(null=True)),
                ('body', fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'openplatform_openapi_response', 'app': 'openplatform', 'unique_together': (('app_id', 'idempotency_key'),), 'pk_attr': 'id', 'table_description': 'The stored answer to a POST with an Idempotency-Key, replayed for the same request.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OpenAppSettings',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('app_id', fields.CharField(unique=True, max_length=32)),
                ('sm2_public_key', fields.CharField(null=True, max_length=130)),
                ('webhook_url', fields.CharField(null=True, max_length=500)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'openplatform_app_settings', 'app': 'openplatform', 'pk_attr': 'id', 'table_description': "An app's open-platform settings: its SM2 public key and webhook URL."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OpenIdentity',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('app_id', fields.CharField(max_length=32)),
                ('user_id', fields.BigIntField(db_index=True)),
                ('openid', fields.CharField(unique=True, max_length=64)),
                ('unionid', fields.CharField(db_index=True, max_length=64)),
                ('session_key_hash', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'openplatform_identity', 'app': 'openplatform', 'unique_together': (('app_id', 'user_id'),), 'pk_attr': 'id', 'table_description': 'A user as one app sees them: the openid and unionid handed to the partner.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Payment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('payment_id', fields.CharField(unique=True, max_length=40)),
                ('app_id', fields.CharField(db_index=True, max_length=32)),
                ('user_id', fields.BigIntField(db_index=True)),
                ('from_account_id', fields.BigIntField()),
                ('merchant_account_id', fields.BigIntField()),
                ('amount_fen', fields.BigIntField()),
                ('refunded_fen', fields.BigIntField(default=0)),
                ('status', fields.CharField(max_length=20)),
                ('description', fields.CharField(max_length=140)),
                ('idempotency_key', fields.CharField(max_length=128)),
                ('entry_id', fields.BigIntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'openplatform_payment', 'app': 'openplatform', 'unique_together': (('app_id', 'idempotency_key'),), 'pk_attr': 'id', 'table_description': "A user's payment to an app's merchant account, made through the ledger."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Refund',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('refund_id', fields.CharField(unique=True, max_length=40)),
                ('payment', fields.ForeignKeyField('openplatform.Payment', source_field='payment_id', db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.RESTRICT)),
                ('app_id', fields.CharField(max_length=32)),
                ('amount_fen', fields.BigIntField()),
                ('reason', fields.CharField(default='', max_length=140)),
                ('idempotency_key', fields.CharField(max_length=128)),
                ('entry_id', fields.BigIntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'openplatform_refund', 'app': 'openplatform', 'unique_together': (('app_id', 'idempotency_key'),), 'pk_attr': 'id', 'table_description': 'Money given back from a payment, a new ledger entry each, never above what was paid.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SubscriptionConsent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('app_id', fields.CharField(max_length=32)),
                ('user_id', fields.BigIntField()),
                ('topic', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('consumed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'openplatform_subscription_consent', 'app': 'openplatform', 'indexes': [Index(fields=['app_id', 'user_id', 'topic'])], 'pk_attr': 'id', 'table_description': 'One message the user agreed to receive from an app on a topic, used up by sending.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('app_id', fields.CharField(db_index=True, max_length=32)),
                ('event_id', fields.CharField(unique=True, max_length=40)),
                ('event_type', fields.CharField(max_length=40)),
                ('payload', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('status', fields.CharField(default='pending', max_length=12)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_error', fields.CharField(null=True, max_length=300)),
                ('last_status_code', fields.IntField(null=True)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'openplatform_webhook_delivery', 'app': 'openplatform', 'indexes': [Index(fields=['status', 'next_attempt_at'])], 'pk_attr': 'id', 'table_description': "One event for an app's webhook: the outbox row the worker delivers with retries."},
            bases=['Model'],
        ),
    ]
