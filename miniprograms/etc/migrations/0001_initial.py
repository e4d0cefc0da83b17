from tortoise import migrations
from tortoise.migrations import operations as ops
from miniprograms.etc.vocabulary import CardStatus, DebitKind, DebitStatus, DebtStatus, DisputeStatus, PreauthStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='EtcCard',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(unique=True, max_length=20)),
                ('plate', fields.CharField(db_index=True, max_length=8)),
                ('live_plate', fields.CharField(null=True, unique=True, max_length=8)),
                ('owner_user_id', fields.BigIntField(db_index=True)),
                ('account_id', fields.BigIntField()),
                ('mandate_id', fields.BigIntField()),
                ('status', fields.CharEnumField(default=CardStatus.ACTIVE, description='ACTIVE: active\nSUSPENDED: suspended\nCANCELLED: cancelled', enum_type=CardStatus, max_length=10)),
                ('failures', fields.IntField(default=0)),
                ('blacklisted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'etc_card', 'app': 'etc', 'pk_attr': 'id', 'table_description': "An ETC card for one plate, on its customer's Class II account under a direct-debit mandate."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EtcCardDay',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('card_id', fields.BigIntField()),
                ('day', fields.DateField()),
                ('attempts', fields.IntField(default=0)),
                ('amount', fields.BigIntField(default=0)),
            ],
            options={'table': 'etc_card_day', 'app': 'etc', 'unique_together': (('card_id', 'day'),), 'pk_attr': 'id', 'table_description': "A card's debit attempts and amount on one China Standard Time day: the daily caps."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EtcMerchant',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('app_id', fields.CharField(unique=True, max_length=32)),
                ('enterprise_id', fields.BigIntField()),
                ('account_id', fields.BigIntField()),
                ('category', fields.CharField(max_length=24)),
                ('name', fields.CharField(max_length=100)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'etc_merchant', 'app': 'etc', 'pk_attr': 'id', 'table_description': 'An open-platform app that debits ETC cards, for a merchant enterprise (toll road, car park, ...).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EtcDebit',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.ForeignKeyField('etc.EtcMerchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='debits', on_delete=OnDelete.RESTRICT)),
                ('idempotency_key', fields.CharField(max_length=128)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('kind', fields.CharEnumField(default=DebitKind.DEBIT, description='DEBIT: debit\nCAPTURE: capture', enum_type=DebitKind, max_length=8)),
                ('plate', fields.CharField(max_length=16)),
                ('card_id', fields.BigIntField(null=True, db_index=True)),
                ('owner_user_id', fields.BigIntField(null=True, db_index=True)),
                ('amount', fields.BigIntField()),
                ('status', fields.CharEnumField(default=DebitStatus.PENDING, description='PENDING: pending\nSUCCEEDED: succeeded\nREFUSED: refused\nUNPAID: unpaid', enum_type=DebitStatus, max_length=10)),
                ('refusal', fields.CharField(null=True, max_length=32)),
                ('entry_id', fields.BigIntField(null=True)),
                ('preauth_id', fields.BigIntField(null=True)),
                ('day', fields.DateField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'etc_debit', 'app': 'etc', 'unique_together': (('merchant', 'idempotency_key'),), 'indexes': [Index(fields=['merchant_id', 'day']), Index(fields=['card_id', 'day'])], 'pk_attr': 'id', 'table_description': "One merchant request to debit a card, under the merchant's idempotency key."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EtcDebt',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('debit', fields.OneToOneField('etc.EtcDebit', source_field='debit_id', db_constraint=True, to_field='id', related_name='debt', on_delete=OnDelete.RESTRICT)),
                ('card_id', fields.BigIntField(db_index=True)),
                ('account_id', fields.BigIntField(db_index=True)),
                ('amount', fields.BigIntField()),
                ('status', fields.CharEnumField(default=DebtStatus.OPEN, description='OPEN: open\nREPAID: repaid', enum_type=DebtStatus, max_length=8)),
                ('entry_id', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('repaid_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'etc_debt', 'app': 'etc', 'pk_attr': 'id', 'table_description': 'What an unpaid debit leaves owing to the merchant, repaid from the next money in.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EtcDispute',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('debit', fields.OneToOneField('etc.EtcDebit', source_field='debit_id', db_constraint=True, to_field='id', related_name='dispute', on_delete=OnDelete.RESTRICT)),
                ('owner_user_id', fields.BigIntField(db_index=True)),
                ('reason', fields.CharField(max_length=200)),
                ('status', fields.CharEnumField(default=DisputeStatus.OPEN, description='OPEN: open\nREFUNDED: refunded\nREJECTED: rejected', enum_type=DisputeStatus, max_length=10)),
                ('resolved_by_user_id', fields.BigIntField(null=True)),
                ('note', fields.CharField(default='', max_length=200)),
                ('refund_entry_id', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'etc_dispute', 'app': 'etc', 'pk_attr': 'id', 'table_description': "A customer's dispute of a debit, resolved by an operator: refunded or not."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EtcPreauth',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('merchant', fields.ForeignKeyField('etc.EtcMerchant', source_field='merchant_id', db_constraint=True, to_field='id', related_name='preauths', on_delete=OnDelete.RESTRICT)),
                ('idempotency_key', fields.CharField(max_length=128)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('card_id', fields.BigIntField()),
                ('hold_id', fields.BigIntField(null=True)),
                ('amount', fields.BigIntField()),
                ('status', fields.CharEnumField(default=PreauthStatus.HELD, description='HELD: held\nCAPTURED: captured\nRELEASED: released', enum_type=PreauthStatus, max_length=10)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'etc_preauth', 'app': 'etc', 'unique_together': (('merchant', 'idempotency_key'),), 'pk_attr': 'id', 'table_description': "A car park's hold at entry, captured at exit or released."},
            bases=['Model'],
        ),
    ]
