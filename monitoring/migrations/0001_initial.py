from tortoise import migrations
from tortoise.migrations import operations as ops
from monitoring.vocabulary import ReviewStatus
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='HeldMovement',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('idempotency_key', fields.CharField(unique=True, max_length=160)),
                ('user_id', fields.BigIntField(db_index=True)),
                ('from_account_id', fields.BigIntField()),
                ('amount', fields.BigIntField()),
                ('kind', fields.CharField(max_length=32)),
                ('rule', fields.CharField(max_length=32)),
                ('reason', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('pending', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('status', fields.CharEnumField(default=ReviewStatus.HELD, db_index=True, description='HELD: held\nRELEASED: released\nREVERSED: reversed', enum_type=ReviewStatus, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decided_by', fields.CharField(null=True, max_length=64)),
                ('decision_reason', fields.CharField(null=True, max_length=500)),
                ('entry_id', fields.BigIntField(null=True)),
            ],
            options={'table': 'monitoring_held_movement', 'app': 'monitoring', 'pk_attr': 'id', 'table_description': 'A movement a rule held for review: what to post on release, and the decision taken.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RuleConfig',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('enabled', fields.BooleanField(default=True)),
                ('action', fields.CharField(max_length=16)),
                ('thresholds', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('updated_by', fields.CharField(max_length=64)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'monitoring_rule_config', 'app': 'monitoring', 'pk_attr': 'name', 'table_description': "An operator's setting of one monitoring rule (a rule without a row runs on its defaults)."},
            bases=['Model'],
        ),
    ]
