from tortoise import migrations
from tortoise.migrations import operations as ops
from ledger.vocabulary import MandateStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('ledger', '0005_holds_enterprises_account_numbers')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Mandate',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('ledger.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='mandates', on_delete=OnDelete.RESTRICT)),
                ('owner_user_id', fields.BigIntField(db_index=True)),
                ('service', fields.CharField(max_length=80)),
                ('reference', fields.CharField(max_length=64)),
                ('per_debit_max', fields.BigIntField()),
                ('status', fields.CharEnumField(default=MandateStatus.ACTIVE, description='ACTIVE: active\nREVOKED: revoked', enum_type=MandateStatus, max_length=8)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'ledger_mandate', 'app': 'ledger', 'unique_together': (('service', 'reference'),), 'pk_attr': 'id', 'table_description': "A customer's standing consent that one bank service may debit one of their accounts."},
            bases=['Model'],
        ),
    ]
