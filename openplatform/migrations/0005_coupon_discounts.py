from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('openplatform', '0004_encryption_key')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Payment',
            name='coupon_id',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='Payment',
            name='discount_fen',
            field=fields.BigIntField(default=0),
        ),
    ]
