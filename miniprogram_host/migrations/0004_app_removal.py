from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('miniprogram_host', '0003_dev_domains')]

    initial = False

    operations = [
        ops.AddField(
            model_name='MiniApp',
            name='removed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
