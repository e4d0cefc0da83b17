from tortoise import migrations
from tortoise.migrations import operations as ops
from kyc.models import State
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='KycApplication',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user_id', fields.BigIntField(db_index=True)),
                ('state', fields.CharEnumField(default=State.STARTED, description='STARTED: started\nDOCUMENTS_READ: documents_read\nFACE_VERIFIED: face_verified\nRISK_CHECKED: risk_checked\nOPENED: opened\nREJECTED: rejected\nMANUAL_REVIEW: manual_review', enum_type=State, max_length=16)),
                ('reasons', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('front_ct', fields.TextField(null=True, unique=False)),
                ('back_ct', fields.TextField(null=True, unique=False)),
                ('front_ok', fields.BooleanField(default=False)),
                ('back_ok', fields.BooleanField(default=False)),
                ('id_index', fields.CharField(null=True, db_index=True, max_length=64)),
                ('id_masked', fields.CharField(null=True, max_length=32)),
                ('name_masked', fields.CharField(null=True, max_length=64)),
                ('face_score', fields.FloatField(null=True)),
                ('liveness_passed', fields.BooleanField(null=True)),
                ('risk_outcome', fields.CharField(null=True, max_length=16)),
                ('document_attempts', fields.IntField(default=0)),
                ('face_attempts', fields.IntField(default=0)),
                ('account_id', fields.BigIntField(null=True)),
                ('open_person_index', fields.CharField(null=True, unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'kyc_application', 'app': 'kyc', 'pk_attr': 'id', 'table_description': "One customer's online Class II account opening, from first upload to decision."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KycBlacklistEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('id_index', fields.CharField(unique=True, max_length=64)),
                ('reason', fields.CharField(max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'kyc_blacklist', 'app': 'kyc', 'pk_attr': 'id', 'table_description': 'An ID number refused account opening, held only as its blind index.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KycImage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('kyc.KycApplication', source_field='application_id', db_constraint=True, to_field='id', related_name='images', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=16)),
                ('ciphertext', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
                ('purged_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'kyc_image', 'app': 'kyc', 'pk_attr': 'id', 'table_description': 'An uploaded image, encrypted, whose ciphertext is dropped after the retention period.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KycTransition',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('kyc.KycApplication', source_field='application_id', db_constraint=True, to_field='id', related_name='transitions', on_delete=OnDelete.CASCADE)),
                ('from_state', fields.CharField(null=True, max_length=16)),
                ('to_state', fields.CharField(max_length=16)),
                ('actor', fields.CharField(max_length=64)),
                ('reason', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'kyc_transition', 'app': 'kyc', 'pk_attr': 'id', 'table_description': 'The audit trail: every change of state, who made it and why.'},
            bases=['Model'],
        ),
    ]
