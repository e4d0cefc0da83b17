from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='PushOutbox',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user_id', fields.BigIntField(db_index=True)),
                ('campaign_id', fields.BigIntField()),
                ('title', fields.CharField(max_length=64)),
                ('body', fields.CharField(max_length=256)),
                ('link', fields.CharField(null=True, max_length=512)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'marketing_push_outbox', 'app': 'marketing', 'pk_attr': 'id', 'table_description': "A push notification the development gateway 'sent' (a real gateway posts it instead)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Segment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=64)),
                ('rule', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('created_by', fields.BigIntField()),
                ('member_count', fields.IntField(default=0)),
                ('refreshed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'marketing_segment', 'app': 'marketing', 'pk_attr': 'id', 'table_description': 'An audience defined by a rule over profile and behaviour (marketing.rules).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Campaign',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=64)),
                ('state', fields.CharField(default='draft', max_length=16)),
                ('created_by', fields.BigIntField()),
                ('approved_by', fields.BigIntField(null=True)),
                ('segment', fields.ForeignKeyField('marketing.Segment', source_field='segment_id', null=True, db_constraint=True, to_field='id', related_name='campaigns', on_delete=OnDelete.RESTRICT)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('cron', fields.CharField(null=True, max_length=64)),
                ('occurrence_minutes', fields.IntField(null=True)),
                ('placements', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('variants', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('holdout_percent', fields.IntField(default=0)),
                ('cap_count', fields.IntField(null=True)),
                ('cap_hours', fields.IntField(null=True)),
                ('budget_fen', fields.BigIntField(default=0)),
                ('spent_fen', fields.BigIntField(default=0)),
                ('coupon_fen', fields.BigIntField(null=True)),
                ('coupon_valid_days', fields.IntField(null=True)),
                ('reward_fen', fields.BigIntField(null=True)),
                ('budget_account_id', fields.BigIntField(null=True)),
                ('stock', fields.IntField(default=0)),
                ('issued', fields.IntField(default=0)),
                ('delivered_through', fields.BigIntField(default=0)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'marketing_campaign', 'app': 'marketing', 'indexes': [Index(fields=['state', 'starts_at'])], 'pk_attr': 'id', 'table_description': 'A campaign through its life: draft, submitted, approved, scheduled, live, paused, ended.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Assignment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('marketing.Campaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='assignments', on_delete=OnDelete.CASCADE)),
                ('user_id', fields.BigIntField()),
                ('variant', fields.CharField(max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'marketing_assignment', 'app': 'marketing', 'unique_together': (('campaign', 'user_id'),), 'pk_attr': 'id', 'table_description': 'The variant (or holdout) a customer was first shown of a campaign.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CampaignTransition',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('marketing.Campaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='transitions', on_delete=OnDelete.CASCADE)),
                ('from_state', fields.CharField(null=True, max_length=16)),
                ('to_state', fields.CharField(max_length=16)),
                ('actor_user_id', fields.BigIntField(null=True)),
                ('note', fields.CharField(default='', max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'marketing_campaign_transition', 'app': 'marketing', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Coupon',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('marketing.Campaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='coupons', on_delete=OnDelete.RESTRICT)),
                ('user_id', fields.BigIntField(db_index=True)),
                ('amount_fen', fields.BigIntField()),
                ('variant', fields.CharField(null=True, max_length=16)),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('redeemed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('redeemed_for', fields.CharField(null=True, max_length=64)),
            ],
            options={'table': 'marketing_coupon', 'app': 'marketing', 'unique_together': (('campaign', 'user_id'),), 'pk_attr': 'id', 'table_description': 'One coupon issued to one customer: at most one per campaign and customer.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Reward',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('marketing.Campaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='rewards', on_delete=OnDelete.RESTRICT)),
                ('user_id', fields.BigIntField(db_index=True)),
                ('amount_fen', fields.BigIntField()),
                ('entry_id', fields.BigIntField()),
                ('variant', fields.CharField(null=True, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'marketing_reward', 'app': 'marketing', 'unique_together': (('campaign', 'user_id'),), 'pk_attr': 'id', 'table_description': 'A cash reward credited through the ledger: at most one per campaign and customer.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SegmentMember',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('segment', fields.ForeignKeyField('marketing.Segment', source_field='segment_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.CASCADE)),
                ('user_id', fields.BigIntField(db_index=True)),
            ],
            options={'table': 'marketing_segment_member', 'app': 'marketing', 'unique_together': (('segment', 'user_id'),), 'pk_attr': 'id', 'table_description': 'A customer in a segment as of its last refresh (or the last real-time check of them).'},
            bases=['Model'],
        ),
    ]
