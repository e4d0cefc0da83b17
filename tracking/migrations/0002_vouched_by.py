from tortoise import migrations
from tortoise.migrations import operations as ops
from tracking.vouching import VouchedBy
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('tracking', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='TrackedEvent',
            name='vouched_by',
            field=fields.CharEnumField(default=VouchedBy.UNVERIFIED, description='TOKEN: token\nPARTNER: partner-signed\nANONYMOUS: anonymous\nUNVERIFIED: unverified', enum_type=VouchedBy, max_length=16),
        ),
        # Events stored before claims were checked: those with a user stay "unverified" (the
        # user is only a claim); those without one were anonymous all along.
        ops.RunSQL(
            "UPDATE tracking_event SET vouched_by = 'anonymous' WHERE user_id IS NULL",
            reverse_sql="SELECT 1",
        ),
    ]
