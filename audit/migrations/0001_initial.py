from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='AuditHead',
            fields=[
                ('id', fields.IntField(primary_key=True, unique=True, db_index=True)),
                ('seq', fields.BigIntField(default=0)),
                ('digest', fields.CharField(default='', max_length=64)),
            ],
            options={'table': 'audit_head', 'app': 'audit', 'pk_attr': 'id', 'table_description': "The chain's last link, one row: appends lock it, so they take their turns."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditRecord',
            fields=[
                ('seq', fields.BigIntField(primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('actor', fields.CharField(max_length=64)),
                ('action', fields.CharField(db_index=True, max_length=64)),
                ('subject', fields.CharField(db_index=True, max_length=128)),
                ('detail', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('previous', fields.CharField(max_length=64)),
                ('digest', fields.CharField(max_length=64)),
            ],
            options={'table': 'audit_record', 'app': 'audit', 'pk_attr': 'seq', 'table_description': 'One operator action, chained to the one before it.'},
            bases=['Model'],
        ),
    ]
