from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('tracking', '0003_hourly_rollup')]

    initial = False

    operations = [
        ops.CreateModel(
            name='WriteKey',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('app_id', fields.CharField(db_index=True, max_length=64)),
                ('key_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'tracking_write_key', 'app': 'tracking', 'pk_attr': 'id', 'table_description': "A write key of an app's server, for the Segment-shaped endpoint (/v1/batch): only its hash is kept."},
            bases=['Model'],
        ),
    ]
