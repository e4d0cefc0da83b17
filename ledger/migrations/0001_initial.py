from tortoise import migrations
from tortoise.migrations import operations as ops
from ledger.kinds import AccountKind, AccountStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Account',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner_user_id', fields.BigIntField(null=True, db_index=True)),
                ('kind', fields.CharEnumField(description='CLASS_ONE: class_one\nCLASS_TWO: class_two\nSETTLEMENT: settlement\nSUSPENSE: suspense\nFEES: fees\nENTERPRISE: enterprise\nMERCHANT: merchant', enum_type=AccountKind, max_length=16)),
                ('name', fields.CharField(max_length=64)),
                ('currency', fields.CharField(default='CNY', max_length=3)),
                ('balance', fields.BigIntField(default=0)),
                ('status', fields.CharEnumField(default=AccountStatus.ACTIVE, description='ACTIVE: active\nFROZEN: frozen\nCLOSED: closed', enum_type=AccountStatus, max_length=8)),
                ('opening_key', fields.CharField(null=True, unique=True, max_length=128)),
                ('card_ciphertext', fields.TextField(null=True, unique=False)),
                ('card_index', fields.CharField(null=True, db_index=True, max_length=64)),
                ('card_masked', fields.CharField(null=True, max_length=32)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'ledger_account', 'app': 'ledger', 'pk_attr': 'id', 'table_description': 'An account in integer fen whose balance only postings change.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='JournalEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('idempotency_key', fields.CharField(unique=True, max_length=160)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('kind', fields.CharField(max_length=32)),
                ('memo', fields.CharField(default='', max_length=140)),
                ('currency', fields.CharField(default='CNY', max_length=3)),
                ('reverses', fields.OneToOneField('ledger.JournalEntry', source_field='reverses_id', null=True, db_constraint=True, to_field='id', related_name='reversed_by', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'ledger_journal_entry', 'app': 'ledger', 'pk_attr': 'id', 'table_description': 'One movement of money, never edited: its postings sum to zero.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PaymentPin',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user_id', fields.BigIntField(unique=True)),
                ('pin_hash', fields.CharField(max_length=200)),
                ('failed_attempts', fields.IntField(default=0)),
                ('locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'ledger_payment_pin', 'app': 'ledger', 'pk_attr': 'id', 'table_description': "A customer's 6-digit payment PIN as an Argon2 hash, with its wrong-try counter."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Posting',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('entry', fields.ForeignKeyField('ledger.JournalEntry', source_field='entry_id', db_constraint=True, to_field='id', related_name='postings', on_delete=OnDelete.RESTRICT)),
                ('account', fields.ForeignKeyField('ledger.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='postings', on_delete=OnDelete.RESTRICT)),
                ('amount', fields.BigIntField()),
                ('balance_after', fields.BigIntField()),
                ('counts_toward_limits', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'ledger_posting', 'app': 'ledger', 'indexes': [Index(fields=['account_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'One leg of an entry: a signed amount on one account (positive adds to its balance).'},
            bases=['Model'],
        ),
    ]
