from tortoise import migrations
from tortoise.migrations import operations as ops
from clearing.kinds import MovementKind, MovementStatus, QuarantineReason
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='CardMovement',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('request_id', fields.CharField(unique=True, max_length=64)),
                ('kind', fields.CharEnumField(description='TOPUP: topup\nWITHDRAWAL: withdrawal\nINBOUND: inbound', enum_type=MovementKind, max_length=12)),
                ('status', fields.CharEnumField(default=MovementStatus.PENDING, description='PENDING: pending\nSUCCEEDED: succeeded\nDECLINED: declined\nRETURNED: returned\nQUARANTINED: quarantined', enum_type=MovementStatus, max_length=12)),
                ('user_id', fields.BigIntField(null=True)),
                ('account_id', fields.BigIntField(null=True)),
                ('card_account_id', fields.BigIntField(null=True)),
                ('card_masked', fields.CharField(null=True, max_length=32)),
                ('amount', fields.BigIntField()),
                ('currency', fields.CharField(max_length=3)),
                ('client_key', fields.CharField(null=True, max_length=64)),
                ('fingerprint', fields.CharField(null=True, max_length=64)),
                ('network_ref', fields.CharField(null=True, max_length=32)),
                ('at_network', fields.BooleanField(default=False)),
                ('decline_reason', fields.CharField(null=True, max_length=64)),
                ('pending_entry_id', fields.BigIntField(null=True)),
                ('final_entry_id', fields.BigIntField(null=True)),
                ('payer_masked', fields.CharField(null=True, max_length=64)),
                ('payer_bank', fields.CharField(null=True, max_length=64)),
                ('business_day', fields.DateField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('settled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('next_query_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('queries', fields.IntField(default=0)),
            ],
            options={'table': 'clearing_movement', 'app': 'clearing', 'unique_together': (('user_id', 'client_key'),), 'indexes': [Index(fields=['status', 'next_query_at']), Index(fields=['business_day']), Index(fields=['status', 'created_at'])], 'pk_attr': 'id', 'table_description': "One movement through the card network, from the bank's side: its request, its state"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='QuarantinedNotification',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('request_id', fields.CharField(max_length=64)),
                ('network_ref', fields.CharField(null=True, max_length=32)),
                ('reason', fields.CharEnumField(description='AMOUNT_DIFFERS: AMOUNT_DIFFERS\nCURRENCY_DIFFERS: CURRENCY_DIFFERS\nKIND_DIFFERS: KIND_DIFFERS\nOUTCOME_CONFLICT: OUTCOME_CONFLICT\nACCOUNT_UNAVAILABLE: ACCOUNT_UNAVAILABLE', enum_type=QuarantineReason, max_length=24)),
                ('expected_amount', fields.BigIntField(null=True)),
                ('notified_amount', fields.BigIntField(null=True)),
                ('expected_currency', fields.CharField(null=True, max_length=3)),
                ('notified_currency', fields.CharField(null=True, max_length=3)),
                ('notified_status', fields.CharField(null=True, max_length=12)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'clearing_quarantined_notification', 'app': 'clearing', 'unique_together': (('request_id', 'reason'),), 'pk_attr': 'id', 'table_description': 'What the network told that could not be booked: a result whose amount, currency or'},
            bases=['Model'],
        ),
    ]
