from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

# An item's audience becomes a marketing segment's id (the string keys before reached no one).
# A risk assessment becomes each submitted questionnaire, kept: a tolerance recorded directly,
# without answers, is not an assessment under the appropriateness rule, so those rows go and
# their customers count as unassessed (R1 only) until they answer the questionnaire.


class Migration(migrations.Migration):
    dependencies = [('content', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ContentItem',
            name='audience_segment_id',
            field=fields.BigIntField(null=True),
        ),
        ops.RemoveField(model_name='ContentItem', name='audience_segment'),
        ops.DeleteModel(name='RiskAssessment'),
        ops.CreateModel(
            name='RiskAssessment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user_id', fields.BigIntField()),
                ('questionnaire_version', fields.CharField(max_length=16)),
                ('answers', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('score', fields.SmallIntField()),
                ('tolerance', fields.SmallIntField()),
                ('assessed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('valid_until', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'content_risk_assessment', 'app': 'content', 'indexes': [Index(fields=['user_id', 'id'])], 'pk_attr': 'id', 'table_description': 'One submitted risk questionnaire: its version, the answers, the score and the tolerance it gave.'},
            bases=['Model'],
        ),
    ]
