from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='DeveloperOrg',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=100)),
                ('created_by', fields.BigIntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'miniprogram_developer_org', 'app': 'miniprogram_host', 'pk_attr': 'id', 'table_description': 'A partner organisation whose members develop mini-programs.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MiniApp',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('app_id', fields.CharField(unique=True, max_length=32)),
                ('secret_hash', fields.CharField(max_length=64)),
                ('org', fields.ForeignKeyField('miniprogram_host.DeveloperOrg', source_field='org_id', db_constraint=True, to_field='id', related_name='apps', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=60)),
                ('category', fields.CharField(max_length=40)),
                ('description', fields.TextField(default='', unique=False)),
                ('icons', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('domains', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('in_flight_version_id', fields.BigIntField(null=True)),
                ('live_version_id', fields.BigIntField(null=True)),
                ('gray_version_id', fields.BigIntField(null=True)),
                ('gray_rules', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('offline', fields.BooleanField(default=False)),
                ('release_revision', fields.BigIntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'miniprogram_app', 'app': 'miniprogram_host', 'pk_attr': 'id', 'table_description': 'A registered mini-program with its credentials, profile and release state.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AppVersion',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('app', fields.ForeignKeyField('miniprogram_host.MiniApp', source_field='app_id', db_constraint=True, to_field='id', related_name='versions', on_delete=OnDelete.CASCADE)),
                ('version', fields.CharField(max_length=64)),
                ('digest', fields.CharField(max_length=64)),
                ('size', fields.BigIntField()),
                ('manifest', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('signature', fields.CharField(max_length=128)),
                ('key_id', fields.CharField(max_length=32)),
                ('state', fields.CharField(db_index=True, max_length=16)),
                ('min_client_version', fields.CharField(max_length=32)),
                ('reviewer_id', fields.BigIntField(null=True)),
                ('review', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('uploaded_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('submitted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reviewed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('released_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'miniprogram_app_version', 'app': 'miniprogram_host', 'unique_together': (('app', 'version'),), 'pk_attr': 'id', 'table_description': 'One uploaded package of an app, stored by digest and signed by the host.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('app', fields.ForeignKeyField('miniprogram_host.MiniApp', source_field='app_id', db_constraint=True, to_field='id', related_name='audit', on_delete=OnDelete.CASCADE)),
                ('version', fields.CharField(null=True, max_length=64)),
                ('actor', fields.CharField(max_length=64)),
                ('action', fields.CharField(max_length=32)),
                ('detail', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'miniprogram_audit_entry', 'app': 'miniprogram_host', 'pk_attr': 'id', 'table_description': 'Who changed what on an app: credentials, profile, domains and every transition.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrgMember',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('org', fields.ForeignKeyField('miniprogram_host.DeveloperOrg', source_field='org_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.CASCADE)),
                ('user_id', fields.BigIntField(db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'miniprogram_org_member', 'app': 'miniprogram_host', 'unique_together': (('org', 'user_id'),), 'pk_attr': 'id', 'table_description': 'A user who develops for an organisation and so owns its apps.'},
            bases=['Model'],
        ),
    ]
