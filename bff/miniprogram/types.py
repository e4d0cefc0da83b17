"""GraphQL types of the mini-program host."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from enum import Enum

import strawberry
from tortoise.expressions import Q

from bff.context import Context, Info
from bff.errors import Error
from bff.ids import record_id_field
from miniprogram_host.lifecycle import ROLLBACK_DEPTH
from miniprogram_host.models import AppVersion, AuditEntry, DeveloperOrg, MiniApp
from miniprogram_host.registry import AppCategory

# The host's categories as a GraphQL enum (FINANCE, ...); the stored values stay "finance", ...
MiniAppCategory = strawberry.enum(
    Enum("MiniAppCategory", [(c.name, c.value) for c in AppCategory]),
    description="Where an app is listed.",
)


@strawberry.enum
class VersionState(Enum):
    UPLOADED = "uploaded"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    GRAY = "gray"
    RELEASED = "released"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"


@strawberry.enum
class ChecklistItem(Enum):
    CONTENT = "content"
    PRIVACY = "privacy"
    FUNCTIONALITY = "functionality"
    SECURITY = "security"
    COMPLIANCE = "compliance"
    USER_INTERFACE = "user_interface"


@strawberry.enum
class DomainKind(Enum):
    REQUEST = "request"
    SOCKET = "socket"
    UPLOAD = "upload"
    DOWNLOAD = "download"


@strawberry.enum
class ClientPlatform(Enum):
    IOS = "ios"
    ANDROID = "android"
    H5 = "h5"


@strawberry.input
class RejectionReasonInput:
    item: ChecklistItem
    reason: str = strawberry.field(description="What to fix, shown to the developer; 10+ characters.")


@strawberry.input
class GrayRulesInput:
    percent: int = strawberry.field(description="Share of users, 0-100, by a sticky per-user bucket.")
    whitelist: list[int] = record_id_field(many=True, default_factory=list, description="Users who always get it.")
    segments: list[int] = record_id_field(many=True, default_factory=list,
                                          description="Audience segments (marketing) whose members always get it.")
    platforms: list[ClientPlatform] = strawberry.field(default_factory=list, description="Empty: every platform.")
    min_client_version: str | None = None
    max_client_version: str | None = None


@strawberry.type
class RejectionReason:
    item: ChecklistItem
    reason: str


@strawberry.type
class Review:
    decision: str
    note: str
    reviewer_id: strawberry.ID | None
    reasons: list[RejectionReason]


@strawberry.type
class ScopeRequest:
    scope: str
    reason: str


@strawberry.type(name="MiniAppVersion")
class VersionType:
    app_id: str
    version: str
    state: VersionState
    digest: str
    size: int
    package_url: str
    signature: str
    key_id: str
    min_client_version: str
    jsapis: list[str]
    scopes: list[ScopeRequest]
    review: Review | None
    uploaded_at: datetime
    submitted_at: datetime | None
    released_at: datetime | None

    @classmethod
    def of(cls, v: AppVersion, app_id: str) -> VersionType:
        m = v.manifest
        review = None
        if v.review:
            review = Review(
                decision=v.review["decision"], note=v.review.get("note", ""),
                reviewer_id=strawberry.ID(str(v.reviewer_id)) if v.reviewer_id else None,
                reasons=[RejectionReason(item=ChecklistItem(r["item"]), reason=r["reason"]) for r in v.review["reasons"]],
            )
        return cls(
            app_id=app_id, version=v.version, state=VersionState(v.state), digest=v.digest, size=v.size,
            package_url=f"/mp/packages/{v.digest}.zip", signature=v.signature, key_id=v.key_id,
            min_client_version=v.min_client_version, jsapis=list(m.get("jsapis", [])),
            scopes=[ScopeRequest(scope=s["scope"], reason=s["reason"]) for s in m.get("scopes", [])],
            review=review, uploaded_at=v.uploaded_at, submitted_at=v.submitted_at, released_at=v.released_at,
        )


@strawberry.type
class AppIcon:
    size: int
    url: str


@strawberry.type
class DomainWhitelists:
    request: list[str]
    socket: list[str]
    upload: list[str]
    download: list[str]
    development: list[str] = strawberry.field(
        description="Local origins (localhost[:port], 127.0.0.1[:port]) a version in development may name in its "
                    "manifest's devDomains; such a version runs only in its developers' preview."
    )


@strawberry.type
class GrayRelease:
    version: str
    percent: int
    whitelist: list[strawberry.ID]
    segments: list[strawberry.ID]
    platforms: list[ClientPlatform]
    min_client_version: str | None
    max_client_version: str | None


@strawberry.type
class ReleaseState:
    live_version: str | None
    gray: GrayRelease | None
    offline: bool
    rollback_targets: list[str] = strawberry.field(description="The last 5 released versions, newest first.")


@strawberry.type
class AuditRecord:
    actor: str
    action: str
    version: str | None
    detail: strawberry.scalars.JSON
    at: datetime


@strawberry.type(name="MiniApp")
class MiniAppType:
    pk: strawberry.Private[int]
    app_id: str
    name: str
    category: MiniAppCategory
    description: str
    icons: list[AppIcon]
    domains: DomainWhitelists
    offline: bool

    @classmethod
    def of(cls, app: MiniApp) -> MiniAppType:
        d = app.domains
        return cls(
            pk=app.id, app_id=app.app_id, name=app.name, category=MiniAppCategory(app.category), description=app.description,
            icons=[AppIcon(size=int(s), url=f"/mp/icons/{digest}.png") for s, digest in sorted(app.icons.items(), key=lambda i: int(i[0]))],
            domains=DomainWhitelists(request=d.get("request", []), socket=d.get("socket", []),
                                     upload=d.get("upload", []), download=d.get("download", []),
                                     development=list(app.dev_domains)),
            offline=app.offline,
        )

    @strawberry.field(description="Every uploaded version, newest first.")
    async def versions(self, info: Info) -> list[VersionType]:
        return await info.context.loader(versions_by_app).load((self.pk, self.app_id))

    @strawberry.field
    async def release(self, info: Info) -> ReleaseState:
        return await info.context.loader(releases_by_app).load(self.pk)

    @strawberry.field(description="Every change to this app, newest first.")
    async def audit(self, info: Info, limit: int = 50) -> list[AuditRecord]:
        return await info.context.loader(audit_by_app).load((self.pk, max(1, min(limit, 200))))


async def audit_by_app(context: Context, keys: Sequence[tuple[int, int]]) -> list[list[AuditRecord]]:
    """The latest changes of many apps: one query per limit asked (a list of apps asks one)."""
    latest: dict[tuple[int, int], list[AuditRecord]] = defaultdict(list)
    for limit in {limit for _, limit in keys}:
        pks = ", ".join(str(int(pk)) for pk, asked in keys if asked == limit)
        # The newest `limit` of each app in one statement: a window function, on PostgreSQL and
        # SQLite alike. Both values are integers we made, so they are written into the SQL.
        rows = await AuditEntry.raw(
            "SELECT id, app_id, version, actor, action, detail, created_at FROM ("
            "SELECT *, ROW_NUMBER() OVER (PARTITION BY app_id ORDER BY id DESC) AS position"
            f" FROM {AuditEntry._meta.db_table} WHERE app_id IN ({pks})) AS ranked"
            f" WHERE position <= {int(limit)} ORDER BY app_id, id DESC"
        )
        for r in rows:
            latest[(r.app_id, limit)].append(
                AuditRecord(actor=r.actor, action=r.action, version=r.version, detail=r.detail, at=r.created_at)
            )
    return [latest[key] for key in keys]


async def versions_by_app(context: Context, keys: Sequence[tuple[int, str]]) -> list[list[VersionType]]:
    grouped: dict[int, list[VersionType]] = defaultdict(list)
    app_ids = dict(keys)
    for v in await AppVersion.filter(app_id__in=list(app_ids)).order_by("-uploaded_at", "-id"):
        grouped[v.app_id].append(VersionType.of(v, app_ids[v.app_id]))
    return [grouped[pk] for pk, _ in keys]


async def releases_by_app(context: Context, pks: Sequence[int]) -> list[ReleaseState | None]:
    """Live, gray and rollback targets of many apps in two queries."""
    apps = {a.id: a for a in await MiniApp.filter(id__in=list(pks))}
    released = defaultdict(list)
    names: dict[int, str] = {}
    live_or_gray = {i for a in apps.values() for i in (a.live_version_id, a.gray_version_id) if i}
    rows = await AppVersion.filter(app_id__in=list(apps)).filter(
        Q(released_at__isnull=False) | Q(id__in=list(live_or_gray) or [0])
    ).order_by("-released_at", "-id").values("id", "app_id", "version", "released_at")
    for row in rows:
        names[row["id"]] = row["version"]
        app = apps[row["app_id"]]
        if row["released_at"] is not None and row["id"] != app.live_version_id:
            released[app.id].append(row["version"])
    result: list[ReleaseState | None] = []
    for pk in pks:
        app = apps.get(pk)
        if app is None:
            result.append(None)
            continue
        gray = None
        if app.gray_version_id in names:
            r = app.gray_rules
            gray = GrayRelease(
                version=names[app.gray_version_id], percent=r["percent"],
                whitelist=[strawberry.ID(str(u)) for u in r["whitelist"]],
                segments=[strawberry.ID(str(s)) for s in r.get("segments", ())],
                platforms=[ClientPlatform(p) for p in r["platforms"]],
                min_client_version=r["minClientVersion"], max_client_version=r["maxClientVersion"],
            )
        result.append(ReleaseState(
            live_version=names.get(app.live_version_id), gray=gray, offline=app.offline,
            rollback_targets=released[pk][:ROLLBACK_DEPTH],
        ))
    return result


async def apps_by_org(context: Context, org_ids: Sequence[int]) -> list[list[MiniAppType]]:
    grouped: dict[int, list[MiniAppType]] = defaultdict(list)
    for app in await MiniApp.filter(org_id__in=list(org_ids)).order_by("id"):
        grouped[app.org_id].append(MiniAppType.of(app))
    return [grouped[i] for i in org_ids]


@strawberry.type(name="DeveloperOrg")
class DeveloperOrgType:
    id: strawberry.ID
    name: str
    first_party: bool = strawberry.field(description="The bank's own developers: their apps may call bankGraphql.")

    @classmethod
    def of(cls, org: DeveloperOrg) -> DeveloperOrgType:
        return cls(id=strawberry.ID(str(org.id)), name=org.name, first_party=org.first_party)

    @strawberry.field
    async def apps(self, info: Info) -> list[MiniAppType]:
        return await info.context.loader(apps_by_org).load(int(self.id))


@strawberry.type(description="The app's secret: shown this once, stored only as a hash.")
class MiniAppCredentials:
    app: MiniAppType
    app_secret: str


@strawberry.type
class ResolvedMiniProgram:
    app_id: str
    version: str
    channel: str
    package_url: str
    digest: str
    size: int
    signature: str
    key_id: str


@strawberry.type(description="This client is too old for the app: ask the user to update.")
class UpgradeRequired:
    app_id: str
    min_client_version: str


@strawberry.type(description="Nothing to run: UNKNOWN_APP, OFFLINE or NOT_RELEASED.")
class MiniProgramUnavailable:
    app_id: str
    reason: str


@strawberry.type(description="No such app, version or organisation.")
class MiniAppNotFound(Error):
    pass


@strawberry.type(description="You do not develop this app, or your role does not allow this.")
class MiniAppNotPermitted(Error):
    pass


@strawberry.type(description="The version is not in a state this action starts from.")
class InvalidTransition(Error):
    state: VersionState


@strawberry.type(description="Another version is in review, approved or in gray: one at a time.")
class VersionInFlight(Error):
    version: str
    state: VersionState


@strawberry.type(description="The version names development origins (devDomains): it runs only in its developers' "
                             "preview, never in review, gray or release.")
class DevelopmentVersion(Error):
    version: str
    dev_domains: list[str]


@strawberry.type(description="Developers cannot review their own organisation's apps.")
class SelfReviewForbidden(Error):
    pass


@strawberry.type(description="Another reviewer decided first; yours was not applied.")
class AlreadyReviewed(Error):
    state: VersionState


@strawberry.type(description="A gray release only widens.")
class GrayPercentageMustRise(Error):
    current_percent: int


@strawberry.type(description="Rollback goes to one of the last 5 released versions.")
class RollbackTargetInvalid(Error):
    allowed_versions: list[str]
