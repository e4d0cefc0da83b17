from tortoise import migrations
from tortoise.migrations import operations as ops
from miniprograms.payroll.vocabulary import BatchStatus, LineStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Employee',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise_id', fields.BigIntField()),
                ('id_index', fields.CharField(max_length=64)),
                ('phone_index', fields.CharField(db_index=True, max_length=64)),
                ('name_ciphertext', fields.TextField(unique=False)),
                ('id_ciphertext', fields.TextField(unique=False)),
                ('phone_ciphertext', fields.TextField(unique=False)),
                ('masked_name', fields.CharField(max_length=48)),
                ('masked_id_number', fields.CharField(max_length=24)),
                ('masked_phone', fields.CharField(max_length=16)),
                ('account_number', fields.CharField(null=True, max_length=19)),
                ('hired_on', fields.DateField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'payroll_employee', 'app': 'payroll', 'unique_together': (('enterprise_id', 'id_index'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PayrollBatch',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise_id', fields.BigIntField()),
                ('period', fields.CharField(max_length=7)),
                ('idempotency_key', fields.CharField(max_length=128)),
                ('file_sha256', fields.CharField(max_length=64)),
                ('status', fields.CharEnumField(default=BatchStatus.DRAFT, description='DRAFT: draft\nSUBMITTED: submitted\nAPPROVED: approved\nDISBURSING: disbursing\nCOMPLETED: completed\nPARTIALLY_SUCCEEDED: partially_succeeded\nFAILED: failed\nCANCELLED: cancelled', enum_type=BatchStatus, max_length=24)),
                ('open_period', fields.CharField(null=True, unique=True, max_length=40)),
                ('line_count', fields.IntField()),
                ('total_gross', fields.BigIntField()),
                ('total_deductions', fields.BigIntField()),
                ('total_net', fields.BigIntField()),
                ('maker_user_id', fields.BigIntField()),
                ('checker_user_id', fields.BigIntField(null=True)),
                ('hold_id', fields.BigIntField(null=True)),
                ('hold_round', fields.IntField(default=0)),
                ('paid_count', fields.IntField(default=0)),
                ('paid_total', fields.BigIntField(default=0)),
                ('lease_owner', fields.CharField(null=True, max_length=64)),
                ('lease_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('awaiting_deadline', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('submitted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('approved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'payroll_batch', 'app': 'payroll', 'unique_together': (('enterprise_id', 'idempotency_key'),), 'indexes': [Index(fields=['status', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PayrollLine',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('batch', fields.ForeignKeyField('payroll.PayrollBatch', source_field='batch_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.RESTRICT)),
                ('line_no', fields.IntField()),
                ('idempotency_key', fields.CharField(max_length=64)),
                ('employee', fields.ForeignKeyField('payroll.Employee', source_field='employee_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.RESTRICT)),
                ('gross', fields.BigIntField()),
                ('social_insurance', fields.BigIntField()),
                ('housing_fund', fields.BigIntField()),
                ('income_tax', fields.BigIntField()),
                ('net', fields.BigIntField()),
                ('status', fields.CharEnumField(default=LineStatus.PENDING, description='PENDING: pending\nAWAITING_ACCOUNT: awaiting_account\nPAID: paid\nFAILED: failed\nRETURNED: returned', enum_type=LineStatus, max_length=20)),
                ('attempt', fields.IntField(default=1)),
                ('entry_id', fields.BigIntField(null=True)),
                ('paid_to_user_id', fields.BigIntField(null=True, db_index=True)),
                ('paid_to_account', fields.CharField(null=True, max_length=19)),
                ('failure', fields.CharField(null=True, max_length=32)),
                ('invited_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('paid_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'payroll_line', 'app': 'payroll', 'unique_together': (('batch_id', 'idempotency_key'), ('batch_id', 'line_no')), 'indexes': [Index(fields=['batch_id', 'status', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
