from tortoise import fields
from infra.models import Model


class DeveloperOrg(Model):
    """A partner organisation whose members develop mini-programs."""

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=100)
    created_by = fields.BigIntField()
    # The bank's own developers: only their apps may call the first-party JSAPI
    # (bankGraphql). Set by an administrator (the GraphQL `setDeveloperOrgFirstParty`;
    # `seed-demo` marks the bank's own organisation), never by
    # the organisation itself.
    first_party = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "miniprogram_developer_org"


class OrgMember(Model):
    """A user who develops for an organisation and so owns its apps."""

    id = fields.BigIntField(primary_key=True)
    org = fields.ForeignKeyField("miniprogram_host.DeveloperOrg", related_name="members")
    user_id = fields.BigIntField(db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "miniprogram_org_member"
        unique_together = (("org", "user_id"),)


class MiniApp(Model):
    """A registered mini-program with its credentials, profile and release state.

    The release columns (live, gray and their rules) change only through the lifecycle
    service, which bumps release_revision so cached resolutions can tell old from new.
    """

    id = fields.BigIntField(primary_key=True)
    app_id = fields.CharField(max_length=32, unique=True)
    secret_hash = fields.CharField(max_length=64)
    org = fields.ForeignKeyField("miniprogram_host.DeveloperOrg", related_name="apps")
    name = fields.CharField(max_length=60)
    category = fields.CharField(max_length=40)
    description = fields.TextField(default="")
    icons = fields.JSONField(default=dict)
    domains = fields.JSONField(default=dict)
    # Development origins (localhost[:port], 127.0.0.1[:port]) a version in development may
    # name in its manifest's devDomains; such a version runs only in its developers' preview.
    dev_domains = fields.JSONField(default=list)
    in_flight_version_id = fields.BigIntField(null=True)
    live_version_id = fields.BigIntField(null=True)
    gray_version_id = fields.BigIntField(null=True)
    gray_rules = fields.JSONField(default=dict)
    offline = fields.BooleanField(default=False)
    # Removed for good (offline, no credentials, its card tokens deleted); never undone.
    removed_at = fields.DatetimeField(null=True)
    release_revision = fields.BigIntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "miniprogram_app"


class AppVersion(Model):
    """One uploaded package of an app, stored by digest and signed by the host."""

    id = fields.BigIntField(primary_key=True)
    app = fields.ForeignKeyField("miniprogram_host.MiniApp", related_name="versions")
    version = fields.CharField(max_length=64)
    digest = fields.CharField(max_length=64)
    size = fields.BigIntField()
    manifest = fields.JSONField()
    # A first-party version's GraphQL operations by name, each with the document that holds
    # it (the files its manifest's bankOperations lists), checked against the schema at upload.
    operations = fields.JSONField(default=dict)
    signature = fields.CharField(max_length=128)
    key_id = fields.CharField(max_length=32)
    state = fields.CharField(max_length=16, db_index=True)
    min_client_version = fields.CharField(max_length=32)
    reviewer_id = fields.BigIntField(null=True)
    review = fields.JSONField(default=dict)
    uploaded_at = fields.DatetimeField(auto_now_add=True)
    submitted_at = fields.DatetimeField(null=True)
    reviewed_at = fields.DatetimeField(null=True)
    released_at = fields.DatetimeField(null=True)

    class Meta:
        table = "miniprogram_app_version"
        unique_together = (("app", "version"),)


class AuditEntry(Model):
    """Who changed what on an app: credentials, profile, domains and every transition."""

    id = fields.BigIntField(primary_key=True)
    app = fields.ForeignKeyField("miniprogram_host.MiniApp", related_name="audit")
    version = fields.CharField(max_length=64, null=True)
    actor = fields.CharField(max_length=64)
    action = fields.CharField(max_length=32)
    detail = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "miniprogram_audit_entry"
