from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('miniprogram_host', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='AppVersion',
            name='operations',
            field=fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name='DeveloperOrg',
            name='first_party',
            field=fields.BooleanField(default=False),
        ),
    ]
