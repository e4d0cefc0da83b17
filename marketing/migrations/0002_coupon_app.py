from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('marketing', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Campaign',
            name='coupon_app_id',
            field=fields.CharField(null=True, max_length=32),
        ),
    ]
