from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('openplatform', '0005_coupon_discounts')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Payment',
            name='discount_account_id',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='Payment',
            name='discount_refunded_fen',
            field=fields.BigIntField(default=0),
        ),
    ]
