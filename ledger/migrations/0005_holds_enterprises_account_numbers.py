from tortoise import migrations
from tortoise.migrations import operations as ops
from ledger.errors import DeclineCode
from ledger.vocabulary import EnterpriseRole, HoldStatus, MerchantCategory
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from ledger.account_numbers import NUMBERED_KINDS, new_account_number


async def _number_existing_accounts(apps, schema_editor) -> None:
    """Accounts opened before numbers existed get one now, like every new one."""
    client = schema_editor.client
    kinds = ", ".join(f"'{kind.value}'" for kind in sorted(NUMBERED_KINDS))
    rows = await client.execute_query_dict(f"SELECT id FROM ledger_account WHERE number IS NULL AND kind IN ({kinds})")
    update = "UPDATE ledger_account SET number = {} WHERE id = {}".format(
        *(("$1", "$2") if client.capabilities.dialect == "postgres" else ("?", "?"))
    )
    given: set[str] = set()
    for row in rows:
        number = new_account_number()
        while number in given:
            number = new_account_number()
        given.add(number)
        await client.execute_query(update, [number, row["id"]])

class Migration(migrations.Migration):
    dependencies = [('ledger', '0004_decline_codes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Enterprise',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=100)),
                ('credit_code', fields.CharField(unique=True, max_length=18)),
                ('merchant_category', fields.CharEnumField(null=True, description='TOLL_OPERATOR: toll_operator\nPARKING: parking\nFUEL: fuel\nCAR_WASH: car_wash\nLOTTERY_PRIZE_POOL: lottery_prize_pool\nPARK_OPERATOR: park_operator', enum_type=MerchantCategory, max_length=24)),
                ('account', fields.OneToOneField('ledger.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='enterprise', on_delete=OnDelete.RESTRICT)),
                ('opened_by_user_id', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'ledger_enterprise', 'app': 'ledger', 'pk_attr': 'id', 'table_description': 'A business customer: its legal name, unified social credit code and settlement account.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EnterpriseMember',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('ledger.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.RESTRICT)),
                ('user_id', fields.BigIntField(db_index=True)),
                ('role', fields.CharEnumField(description='ADMINISTRATOR: administrator\nMAKER: maker\nCHECKER: checker', enum_type=EnterpriseRole, max_length=16)),
                ('added_by_user_id', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'ledger_enterprise_member', 'app': 'ledger', 'unique_together': (('enterprise', 'user_id', 'role'),), 'pk_attr': 'id', 'table_description': 'A signed-in user holding one role in one enterprise (a user may hold several).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Hold',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('ledger.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='holds', on_delete=OnDelete.RESTRICT)),
                ('amount', fields.BigIntField()),
                ('captured', fields.BigIntField(default=0)),
                ('released', fields.BigIntField(default=0)),
                ('remaining', fields.BigIntField()),
                ('status', fields.CharEnumField(default=HoldStatus.ACTIVE, description='ACTIVE: active\nCAPTURED: captured\nRELEASED: released\nEXPIRED: expired', enum_type=HoldStatus, max_length=10)),
                ('idempotency_key', fields.CharField(unique=True, max_length=160)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('memo', fields.CharField(default='', max_length=140)),
                ('placed_by', fields.CharField(max_length=80)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'ledger_hold', 'app': 'ledger', 'indexes': [Index(fields=['account_id', 'status'])], 'pk_attr': 'id', 'table_description': 'An amount reserved on an account: captured (in one or more entries) or released.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Account',
            name='held',
            field=fields.BigIntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Account',
            name='number',
            field=fields.CharField(null=True, unique=True, max_length=19),
        ),
        ops.RunPython(_number_existing_accounts, ops.RunPython.noop),
        ops.AlterField(
            model_name='DeclinedRequest',
            name='code',
            field=fields.CharEnumField(description='ACCOUNT_NOT_FOUND: ACCOUNT_NOT_FOUND\nACCOUNT_FROZEN: ACCOUNT_FROZEN\nACCOUNT_CLOSED: ACCOUNT_CLOSED\nINSUFFICIENT_FUNDS: INSUFFICIENT_FUNDS\nLIMIT_EXCEEDED: LIMIT_EXCEEDED\nALREADY_REVERSED: ALREADY_REVERSED\nHOLD_NOT_ACTIVE: HOLD_NOT_ACTIVE\nHOLD_EXPIRED: HOLD_EXPIRED\nHOLD_EXCEEDED: HOLD_EXCEEDED', enum_type=DeclineCode, max_length=32),
        ),
        ops.AddField(
            model_name='JournalEntry',
            name='hold',
            field=fields.ForeignKeyField('ledger.Hold', source_field='hold_id', null=True, db_constraint=True, to_field='id', related_name='captures', on_delete=OnDelete.RESTRICT),
        ),
    ]
