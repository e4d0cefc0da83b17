from tortoise import migrations
from tortoise.migrations import operations as ops
from miniprograms.lottery.kinds import ClaimState
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='PrizeClaim',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket_number', fields.CharField(unique=True, max_length=32)),
                ('reservation_id', fields.CharField(unique=True, max_length=64)),
                ('user_id', fields.BigIntField()),
                ('account_id', fields.BigIntField()),
                ('claimant_masked', fields.CharField(max_length=32)),
                ('game', fields.CharField(max_length=32)),
                ('draw', fields.CharField(max_length=32)),
                ('draw_date', fields.DateField()),
                ('prize', fields.BigIntField()),
                ('state', fields.CharEnumField(default=ClaimState.RESERVING, description='RESERVING: reserving\nRESERVED: reserved\nPAID: paid\nCONFIRMED: confirmed\nCANCELLING: cancelling', enum_type=ClaimState, max_length=12)),
                ('entry_id', fields.BigIntField(null=True)),
                ('business_day', fields.DateField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('confirmed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'lottery_prize_claim', 'app': 'lottery', 'indexes': [Index(fields=['user_id', 'created_at']), Index(fields=['state', 'updated_at']), Index(fields=['business_day'])], 'pk_attr': 'id', 'table_description': "A customer's claim of one ticket's prize, at most one row per ticket: a ticket is"},
            bases=['Model'],
        ),
    ]
