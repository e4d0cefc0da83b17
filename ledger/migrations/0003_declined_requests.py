from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('ledger', '0002_posting_entry_index')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DeclinedRequest',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('idempotency_key', fields.CharField(unique=True, max_length=160)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('code', fields.CharField(max_length=32)),
                ('detail', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'ledger_declined_request', 'app': 'ledger', 'pk_attr': 'id', 'table_description': 'A money movement refused because of the state of its accounts, kept under its key.'},
            bases=['Model'],
        ),
    ]
