from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('miniprogram_host', '0002_first_party_operations')]

    initial = False

    operations = [
        ops.AddField(
            model_name='MiniApp',
            name='dev_domains',
            field=fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads),
        ),
    ]
