from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('openplatform', '0003_orders')]

    initial = False

    operations = [
        ops.AddField(
            model_name='OpenAppSettings',
            name='encryption_public_key',
            field=fields.CharField(null=True, max_length=130),
        ),
    ]
