from tortoise import migrations
from tortoise.migrations import operations as ops
from tracking.vouching import VouchedBy
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('tracking', '0004_write_keys')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='TrackedEvent',
            name='vouched_by',
            field=fields.CharEnumField(default=VouchedBy.UNVERIFIED, description='TOKEN: token\nPARTNER: partner-signed\nBRIDGE: bridge\nANONYMOUS: anonymous\nUNVERIFIED: unverified', enum_type=VouchedBy, max_length=16),
        ),
    ]
