from tortoise import migrations
from tortoise.migrations import operations as ops
from ledger.vocabulary import CardTokenStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('ledger', '0006_mandates')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CardToken',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('ledger.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='card_tokens', on_delete=OnDelete.RESTRICT)),
                ('app_id', fields.CharField(db_index=True, max_length=32)),
                ('token', fields.CharField(unique=True, max_length=19)),
                ('status', fields.CharEnumField(default=CardTokenStatus.ACTIVE, description='ACTIVE: active\nSUSPENDED: suspended', enum_type=CardTokenStatus, max_length=10)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('suspended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'ledger_card_token', 'app': 'ledger', 'unique_together': (('account', 'app_id'),), 'pk_attr': 'id', 'table_description': "The number one app knows a bound card by: never the card's own, useless to any other app."},
            bases=['Model'],
        ),
    ]
