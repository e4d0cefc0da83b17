from tortoise import migrations
from tortoise.migrations import operations as ops
from content.models import ContentKind, LiveStatus, ProductKind, ReviewState
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='ConsumerCursor',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('last_event_id', fields.BigIntField(default=0)),
            ],
            options={'table': 'content_consumer_cursor', 'app': 'content', 'pk_attr': 'name', 'table_description': 'How far the profile consumer has read the stored tracking events.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ContentImage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner_id', fields.BigIntField()),
                ('sha256', fields.CharField(max_length=64)),
                ('width', fields.IntField()),
                ('height', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'content_image', 'app': 'content', 'pk_attr': 'id', 'table_description': 'An uploaded picture, kept only as its renditions (EXIF and all other metadata gone).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ContentItem',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='ARTICLE: article\nSHORT_VIDEO: short_video\nLIVE_STREAM: live_stream\nPRODUCT_CARD: product_card', enum_type=ContentKind, max_length=16)),
                ('title', fields.CharField(max_length=120)),
                ('summary', fields.CharField(default='', max_length=300)),
                ('body_html', fields.TextField(null=True, unique=False)),
                ('cover', fields.ForeignKeyField('content.ContentImage', source_field='cover_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('video_url', fields.CharField(null=True, max_length=512)),
                ('duration_seconds', fields.IntField(null=True)),
                ('live_starts_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('live_ends_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('live_status', fields.CharEnumField(null=True, description='SCHEDULED: scheduled\nLIVE: live\nENDED: ended', enum_type=LiveStatus, max_length=16)),
                ('stream_url', fields.CharField(null=True, max_length=512)),
                ('product_code', fields.CharField(null=True, max_length=32)),
                ('product_kind', fields.CharEnumField(null=True, description='DEPOSIT: deposit\nFUND: fund', enum_type=ProductKind, max_length=16)),
                ('risk_level', fields.SmallIntField(null=True)),
                ('topics', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('tags', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('author_id', fields.BigIntField()),
                ('state', fields.CharEnumField(default=ReviewState.DRAFT, description='DRAFT: draft\nIN_REVIEW: in_review\nAPPROVED: approved\nSCHEDULED: scheduled\nPUBLISHED: published\nWITHDRAWN: withdrawn', enum_type=ReviewState, max_length=16)),
                ('publish_from', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('publish_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('audience_segment', fields.CharField(null=True, max_length=64)),
                ('pinned_rank', fields.SmallIntField(null=True)),
                ('published_ms', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('updated_ms', fields.BigIntField(default=0, db_index=True)),
            ],
            options={'table': 'content_item', 'app': 'content', 'indexes': [Index(fields=['state', 'published_ms'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FollowedTopic',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user_id', fields.BigIntField()),
                ('topic', fields.CharField(max_length=32)),
            ],
            options={'table': 'content_followed_topic', 'app': 'content', 'unique_together': (('user_id', 'topic'),), 'pk_attr': 'id', 'table_description': 'Topics a customer chose at onboarding or followed since.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ImageRendition',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('image', fields.ForeignKeyField('content.ContentImage', source_field='image_id', db_constraint=True, to_field='id', related_name='renditions', on_delete=OnDelete.CASCADE)),
                ('density', fields.SmallIntField()),
                ('format', fields.CharField(max_length=8)),
                ('width', fields.IntField()),
                ('height', fields.IntField()),
                ('data', fields.BinaryField()),
            ],
            options={'table': 'content_image_rendition', 'app': 'content', 'unique_together': (('image', 'density', 'format'),), 'pk_attr': 'id', 'table_description': 'One density (1x/2x/3x) of an image in one format (WebP, or JPEG for clients without it).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InterestProfile',
            fields=[
                ('user_id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('weights', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('recent_positive', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('updated_ms', fields.BigIntField(default=0)),
            ],
            options={'table': 'content_interest_profile', 'app': 'content', 'pk_attr': 'user_id', 'table_description': "A customer's interests: weights by topic:x, kind:x and author:n, decayed to updated_ms."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ItemNeighbor',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('item_id', fields.BigIntField()),
                ('neighbor_id', fields.BigIntField()),
                ('weight', fields.FloatField(default=0.0)),
            ],
            options={'table': 'content_item_neighbor', 'app': 'content', 'unique_together': (('item_id', 'neighbor_id'),), 'pk_attr': 'id', 'table_description': 'Item-to-item co-occurrence: customers who engaged with one also engaged with the other.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ItemStats',
            fields=[
                ('item_id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('exposures', fields.BigIntField(default=0)),
                ('clicks', fields.BigIntField(default=0)),
                ('likes', fields.BigIntField(default=0)),
                ('shares', fields.BigIntField(default=0)),
                ('score', fields.FloatField(default=0.0)),
                ('updated_ms', fields.BigIntField(default=0, db_index=True)),
            ],
            options={'table': 'content_item_stats', 'app': 'content', 'pk_attr': 'item_id', 'table_description': 'Engagement per item for the popular source: a decayed score, and raw counts.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReviewStep',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('item', fields.ForeignKeyField('content.ContentItem', source_field='item_id', db_constraint=True, to_field='id', related_name='review_steps', on_delete=OnDelete.CASCADE)),
                ('from_state', fields.CharEnumField(description='DRAFT: draft\nIN_REVIEW: in_review\nAPPROVED: approved\nSCHEDULED: scheduled\nPUBLISHED: published\nWITHDRAWN: withdrawn', enum_type=ReviewState, max_length=16)),
                ('to_state', fields.CharEnumField(description='DRAFT: draft\nIN_REVIEW: in_review\nAPPROVED: approved\nSCHEDULED: scheduled\nPUBLISHED: published\nWITHDRAWN: withdrawn', enum_type=ReviewState, max_length=16)),
                ('actor_id', fields.BigIntField()),
                ('reason', fields.CharField(default='', max_length=500)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'content_review_step', 'app': 'content', 'pk_attr': 'id', 'table_description': 'One move of an item through the workflow: who, from which state to which, and why.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RiskAssessment',
            fields=[
                ('user_id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tolerance', fields.SmallIntField()),
                ('assessed_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'content_risk_assessment', 'app': 'content', 'pk_attr': 'user_id', 'table_description': "A customer's assessed risk tolerance (R1..R5) from the suitability questionnaire."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SeenItem',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user_id', fields.BigIntField()),
                ('item_id', fields.BigIntField()),
                ('dismissed', fields.BooleanField(default=False)),
                ('liked', fields.BooleanField(default=False)),
                ('at_ms', fields.BigIntField()),
            ],
            options={'table': 'content_seen_item', 'app': 'content', 'unique_together': (('user_id', 'item_id'),), 'pk_attr': 'id', 'table_description': 'An item a customer was shown (exposure) or acted on, dismissed when not interested.'},
            bases=['Model'],
        ),
    ]
