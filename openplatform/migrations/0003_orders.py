from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('openplatform', '0002_inbox_read_and_deleted')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Order',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('app_id', fields.CharField(max_length=32)),
                ('order_id', fields.CharField(max_length=64)),
                ('prepay_id', fields.CharField(unique=True, max_length=40)),
                ('user_id', fields.BigIntField(db_index=True)),
                ('openid', fields.CharField(max_length=64)),
                ('amount_fen', fields.BigIntField()),
                ('description', fields.CharField(max_length=140)),
                ('status', fields.CharField(max_length=12)),
                ('sandbox', fields.BooleanField(default=False)),
                ('attempt', fields.IntField(default=0)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('paid_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'openplatform_order', 'app': 'openplatform', 'unique_together': (('app_id', 'order_id'),), 'pk_attr': 'id', 'table_description': 'An order made by the partner server for one user, paid in the mini-program by its prepay id.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Payment',
            name='openid',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Payment',
            name='order_id',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Payment',
            name='sandbox',
            field=fields.BooleanField(default=False),
        ),
    ]
