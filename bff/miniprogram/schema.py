"""Mini-program host: developers register and submit, reviewers decide, releases roll out."""

from __future__ import annotations

import base64
from typing import Annotated

import strawberry

from bff.context import Info
from bff.errors import InvalidInput
from bff.ids import MiniAppId, MiniAppVersion, ParsedIds, RecordId
from bff.miniprogram.types import (
    AlreadyReviewed,
    ClientPlatform,
    DevelopmentVersion,
    DeveloperOrgType,
    DomainKind,
    GrayPercentageMustRise,
    GrayRulesInput,
    InvalidTransition,
    MiniAppCategory,
    MiniAppCredentials,
    MiniAppNotFound,
    MiniAppNotPermitted,
    MiniAppType,
    MiniProgramUnavailable,
    RejectionReasonInput,
    ResolvedMiniProgram,
    RollbackTargetInvalid,
    SelfReviewForbidden,
    UpgradeRequired,
    VersionInFlight,
    VersionState,
    VersionType,
)
from bff.permissions import requires
from identity.roles import Role
from infra.i18n import t
from miniprogram_host import errors, lifecycle, registry, resolution
from miniprogram_host.actors import Actor
from miniprogram_host.resolution import Resolved
from miniprogram_host.resolution import UpgradeRequired as DomainUpgradeRequired
from miniprogram_host.semver import is_semver

Failure = MiniAppNotFound | MiniAppNotPermitted | InvalidInput
OrgResult = Annotated[DeveloperOrgType | Failure, strawberry.union("DeveloperOrgResult")]
CredentialsResult = Annotated[MiniAppCredentials | Failure, strawberry.union("MiniAppCredentialsResult")]
AppResult = Annotated[MiniAppType | Failure, strawberry.union("MiniAppResult")]
VersionResult = Annotated[
    VersionType | Failure | InvalidTransition | VersionInFlight | SelfReviewForbidden | AlreadyReviewed
    | DevelopmentVersion,
    strawberry.union("MiniAppVersionResult"),
]
ReleaseResult = Annotated[
    MiniAppType | Failure | InvalidTransition | GrayPercentageMustRise | RollbackTargetInvalid | DevelopmentVersion,
    strawberry.union("MiniAppReleaseResult"),
]
Resolution = Annotated[
    ResolvedMiniProgram | UpgradeRequired | MiniProgramUnavailable | InvalidInput | MiniAppNotFound
    | MiniAppNotPermitted,
    strawberry.union("MiniProgramResolution"),
]


def _actor(info: Info) -> Actor:
    p = info.context.principal
    return Actor(p.user_id, frozenset(p.roles))


def _failure(exc: errors.HostError):
    """One mapping from the host's exceptions to schema types, for every mutation."""
    match exc:
        case errors.NotFound():
            return MiniAppNotFound(message=str(exc))
        case errors.NotPermitted():
            return MiniAppNotPermitted(message=str(exc))
        case errors.InvalidArgument():
            return InvalidInput(message=str(exc), field=exc.field)
        case errors.InvalidIcon():
            return InvalidInput(message=str(exc), field="icon")
        case errors.InvalidTransition():
            return InvalidTransition(message=str(exc), state=VersionState(exc.state))
        case errors.VersionInFlight():
            return VersionInFlight(message=str(exc), version=exc.version, state=VersionState(exc.state))
        case errors.DevelopmentVersion():
            return DevelopmentVersion(message=str(exc), version=exc.version, dev_domains=exc.origins)
        case errors.SelfReview():
            return SelfReviewForbidden(message=str(exc))
        case errors.AlreadyReviewed():
            return AlreadyReviewed(message=str(exc), state=VersionState(exc.state))
        case errors.GrayPercentageMustRise():
            return GrayPercentageMustRise(message=str(exc), current_percent=exc.current)
        case errors.RollbackTargetInvalid():
            return RollbackTargetInvalid(message=str(exc), allowed_versions=exc.allowed)
    raise exc



@strawberry.type
class MiniProgramQuery:
    @strawberry.field(extensions=requires(Role.DEVELOPER), description="Your developer organisations.")
    async def my_developer_orgs(self, info: Info) -> list[DeveloperOrgType]:
        orgs = await registry.orgs_of(user_id=info.context.principal.user_id)
        return [DeveloperOrgType.of(o) for o in orgs]

    @strawberry.field(
        extensions=[ParsedIds(), *requires(Role.DEVELOPER, Role.OPERATOR, Role.REVIEWER)],
        description="One app, for its developers, operators and reviewers.",
    )
    async def mini_app(self, info: Info, app_id: MiniAppId) -> AppResult:
        try:
            app = await registry.app_for_developer(
                actor=_actor(info), app_id=app_id, staff_roles=(Role.OPERATOR, Role.REVIEWER)
            )
        except errors.HostError as exc:
            return _failure(exc)
        return MiniAppType.of(app)

    @strawberry.field(extensions=requires(Role.REVIEWER), description="Submitted versions, oldest first.")
    async def mini_app_review_queue(self, info: Info) -> list[VersionType]:
        return [VersionType.of(v, v.app.app_id) for v in await lifecycle.review_queue()]

    @strawberry.field(
        extensions=[ParsedIds(), *requires()],
        description="Which version of a mini-program this client should run (cold starts use GET /mp/resolve). "
                    "`preview`: one version of your own app, in any state, for you alone (channel preview).",
    )
    async def resolve_mini_program(
        self, info: Info, app_id: MiniAppId, platform: ClientPlatform, client_version: str,
        preview: MiniAppVersion | None = None,
    ) -> Resolution:
        if not is_semver(client_version):
            return InvalidInput(message=t("miniprogram_host.client_version_invalid"), field="clientVersion")
        user_id = info.context.principal.user_id
        if preview is not None:
            try:
                answer = await resolution.preview(app_id=app_id, version=preview, user_id=user_id,
                                                  client_version=client_version)
            except errors.HostError as exc:
                return _failure(exc)
        else:
            answer = await info.context.runtime.miniprograms.releases.resolve(
                app_id=app_id, subject=f"u:{user_id}", user_id=user_id, platform=platform.value,
                client_version=client_version,
            )
        if isinstance(answer, Resolved):
            return ResolvedMiniProgram(
                app_id=answer.app_id, version=answer.version, channel=answer.channel,
                package_url=f"/mp/packages/{answer.digest}.zip", digest=answer.digest, size=answer.size,
                signature=answer.signature, key_id=answer.key_id,
            )
        if isinstance(answer, DomainUpgradeRequired):
            return UpgradeRequired(app_id=answer.app_id, min_client_version=answer.min_client_version)
        return MiniProgramUnavailable(app_id=answer.app_id, reason=answer.reason)


@strawberry.type
class MiniProgramMutation:
    @strawberry.mutation(extensions=requires(Role.DEVELOPER), description="Start a developer organisation.")
    async def create_developer_org(self, info: Info, name: str) -> OrgResult:
        try:
            org = await registry.create_org(actor=_actor(info), name=name)
        except errors.HostError as exc:
            return _failure(exc)
        return DeveloperOrgType.of(org)

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.DEVELOPER)], description="Add a developer to your organisation."
    )
    async def add_developer_org_member(self, info: Info, org_id: RecordId, user_id: RecordId) -> OrgResult:
        try:
            org = await registry.add_org_member(actor=_actor(info), org_id=org_id, user_id=user_id)
        except errors.HostError as exc:
            return _failure(exc)
        return DeveloperOrgType.of(org)

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.ADMIN)],
        description="Mark an organisation as the bank's own (its apps may call bankGraphql), or not: admins only.",
    )
    async def set_developer_org_first_party(self, info: Info, org_id: RecordId, first_party: bool) -> OrgResult:
        try:
            org = await registry.set_first_party(actor=_actor(info), org_id=org_id, first_party=first_party)
        except errors.HostError as exc:
            return _failure(exc)
        return DeveloperOrgType.of(org)

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.DEVELOPER)], description="Register an app; its secret is shown once."
    )
    async def register_mini_app(
        self, info: Info, org_id: RecordId, name: str, category: MiniAppCategory, description: str = ""
    ) -> CredentialsResult:
        try:
            app, secret = await registry.register_app(
                actor=_actor(info), org_id=org_id, name=name, category=category.value, description=description
            )
        except errors.HostError as exc:
            return _failure(exc)
        return MiniAppCredentials(app=MiniAppType.of(app), app_secret=secret)

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.DEVELOPER)],
        description="Replace the app secret; the old one stops working.",
    )
    async def reset_mini_app_secret(self, info: Info, app_id: MiniAppId) -> CredentialsResult:
        try:
            secret = await registry.reset_secret(actor=_actor(info), app_id=app_id)
            app = await registry.app_for_developer(actor=_actor(info), app_id=app_id)
        except errors.HostError as exc:
            return _failure(exc)
        return MiniAppCredentials(app=MiniAppType.of(app), app_secret=secret)

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.DEVELOPER)],
        description="Change the profile; the icon is base64 PNG or JPEG.",
    )
    async def update_mini_app_profile(
        self, info: Info, app_id: MiniAppId, name: str | None = None, category: MiniAppCategory | None = None,
        description: str | None = None, icon_base64: str | None = None,
    ) -> AppResult:
        try:
            icon = base64.b64decode(icon_base64, validate=True) if icon_base64 is not None else None
        except ValueError:  # binascii.Error, or characters outside ASCII
            return InvalidInput(message=t("miniprogram_host.icon_not_base64"), field="iconBase64")
        try:
            app = await registry.update_profile(
                actor=_actor(info), app_id=app_id, store=info.context.runtime.miniprograms.store,
                name=name, category=category.value if category is not None else None, description=description,
                icon=icon,
            )
        except errors.HostError as exc:
            return _failure(exc)
        return MiniAppType.of(app)

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.DEVELOPER)],
        description="Replace one domain whitelist (at most 200).",
    )
    async def set_mini_app_domains(
        self, info: Info, app_id: MiniAppId, kind: DomainKind, domains: list[str]
    ) -> AppResult:
        try:
            app = await registry.set_domains(actor=_actor(info), app_id=app_id, kind=kind.value, domains=domains)
        except errors.HostError as exc:
            return _failure(exc)
        return MiniAppType.of(app)

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.DEVELOPER)],
        description="Replace the development whitelist: local origins such as localhost:5173 or "
                    "http://127.0.0.1:8080 (cut down to host:port), at most 10. A version whose manifest names "
                    "them in devDomains runs only in its developers' preview, never in review, gray or release.",
    )
    async def set_mini_app_dev_domains(self, info: Info, app_id: MiniAppId, domains: list[str]) -> AppResult:
        try:
            app = await registry.set_dev_domains(actor=_actor(info), app_id=app_id, domains=domains)
        except errors.HostError as exc:
            return _failure(exc)
        return MiniAppType.of(app)

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.DEVELOPER)],
        description="Send an uploaded version to review.",
    )
    async def submit_mini_app_version(self, info: Info, app_id: MiniAppId, version: MiniAppVersion) -> VersionResult:
        return await _version_step(lifecycle.submit(actor=_actor(info), app_id=app_id, version=version), app_id)

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.DEVELOPER)],
        description="Take back a submitted or approved version.",
    )
    async def withdraw_mini_app_version(self, info: Info, app_id: MiniAppId, version: MiniAppVersion) -> VersionResult:
        return await _version_step(lifecycle.withdraw(actor=_actor(info), app_id=app_id, version=version), app_id)

    @strawberry.mutation(extensions=[ParsedIds(), *requires(Role.REVIEWER)], description="Approve a submitted version.")
    async def approve_mini_app_version(
        self, info: Info, app_id: MiniAppId, version: MiniAppVersion, note: str = ""
    ) -> VersionResult:
        return await _version_step(
            lifecycle.approve(actor=_actor(info), app_id=app_id, version=version, note=note), app_id
        )

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.REVIEWER)],
        description="Reject, with a reason per failed checklist item.",
    )
    async def reject_mini_app_version(
        self, info: Info, app_id: MiniAppId, version: MiniAppVersion, reasons: list[RejectionReasonInput]
    ) -> VersionResult:
        pairs = [(r.item.value, r.reason) for r in reasons]
        return await _version_step(
            lifecycle.reject(actor=_actor(info), app_id=app_id, version=version, reasons=pairs), app_id
        )

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.OPERATOR, Role.DEVELOPER)],
        description="Release an approved version to some users: a sticky percentage, a whitelist, audience segments and filters.",
    )
    async def start_gray_release(
        self, info: Info, app_id: MiniAppId, version: MiniAppVersion, rules: GrayRulesInput
    ) -> ReleaseResult:
        return await _release_step(info, lifecycle.start_gray(
            actor=_actor(info), app_id=app_id, version=version, percent=rules.percent, whitelist=rules.whitelist,
            platforms=[p.value for p in rules.platforms], min_client_version=rules.min_client_version,
            max_client_version=rules.max_client_version, refresh=info.context.runtime.miniprograms.releases.refresh,
            segments=rules.segments, directory=info.context.runtime.miniprograms.releases.segments,
        ))

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.OPERATOR, Role.DEVELOPER)],
        description="Widen the gray release.",
    )
    async def raise_gray_percentage(self, info: Info, app_id: MiniAppId, percent: int) -> ReleaseResult:
        return await _release_step(info, lifecycle.raise_gray(
            actor=_actor(info), app_id=app_id, percent=percent, refresh=info.context.runtime.miniprograms.releases.refresh,
        ))

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.OPERATOR, Role.DEVELOPER)],
        description="Release to everyone.",
    )
    async def release_mini_app_version(self, info: Info, app_id: MiniAppId, version: MiniAppVersion) -> ReleaseResult:
        return await _release_step(info, lifecycle.release(
            actor=_actor(info), app_id=app_id, version=version, refresh=info.context.runtime.miniprograms.releases.refresh,
        ))

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.OPERATOR, Role.DEVELOPER)],
        description="Go back to one of the last 5 released versions at once, even during a gray release.",
    )
    async def rollback_mini_app(self, info: Info, app_id: MiniAppId, version: MiniAppVersion) -> ReleaseResult:
        return await _release_step(info, lifecycle.rollback(
            actor=_actor(info), app_id=app_id, version=version, refresh=info.context.runtime.miniprograms.releases.refresh,
        ))

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.OPERATOR)],
        description="Take an app out of every client, or back.",
    )
    async def set_mini_app_offline(self, info: Info, app_id: MiniAppId, offline: bool, reason: str) -> ReleaseResult:
        return await _release_step(info, lifecycle.set_offline(
            actor=_actor(info), app_id=app_id, offline=offline, reason=reason,
            refresh=info.context.runtime.miniprograms.releases.refresh,
        ))

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires(Role.OPERATOR, Role.DEVELOPER)],
        description="Remove an app for good (operators, or its own developers): out of every client, its appSecret "
                    "void, every card token made for it deleted. Never undone; the app is then not found.",
    )
    async def remove_mini_app(self, info: Info, app_id: MiniAppId, reason: str) -> ReleaseResult:
        return await _release_step(info, lifecycle.remove_app(
            actor=_actor(info), app_id=app_id, reason=reason, refresh=info.context.runtime.miniprograms.releases.refresh,
        ))


async def _version_step(step, app_id: str):
    try:
        v = await step
    except errors.HostError as exc:
        return _failure(exc)
    return VersionType.of(v, app_id)


async def _release_step(info: Info, step):
    try:
        app = await step
    except errors.HostError as exc:
        return _failure(exc)
    return MiniAppType.of(app)
