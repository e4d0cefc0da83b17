"""Users' consents to mini-programs: list what each app may use, grant, revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from bff.context import Info
from bff.errors import Error
from bff.ids import MiniAppId, OptionalMiniAppId, ParsedIds
from bff.miniprogram.types import MiniAppNotFound
from bff.permissions import requires
from miniprogram_host.jsapi import SCOPES
from miniprogram_host.models import MiniApp
from miniprogram_runtime.consent import Consent
from miniprogram_runtime.service import ConsentRefused


@strawberry.type(description="You allowed a mini-program to use a scope (userInfo, location, ...).")
class MiniAppConsent:
    app_id: str
    app_name: str
    scope: str
    granted_at: datetime


@strawberry.type(description="The app's released versions do not declare this scope.")
class ScopeNotDeclared(Error):
    scope: str


@strawberry.type(description="The consent is withdrawn; the app's next call using it is refused.")
class MiniAppConsentRevoked:
    app_id: str
    scope: str
    was_granted: bool


GrantResult = Annotated[MiniAppConsent | MiniAppNotFound | ScopeNotDeclared, strawberry.union("GrantMiniAppConsentResult")]


async def _with_names(consents: list[Consent]) -> list[MiniAppConsent]:
    names = dict(await MiniApp.filter(app_id__in={c.app_id for c in consents}).values_list("app_id", "name"))
    return [MiniAppConsent(app_id=c.app_id, app_name=names.get(c.app_id, c.app_id), scope=c.scope,
                           granted_at=c.granted_at) for c in consents]


@strawberry.type
class MiniProgramRuntimeQuery:
    @strawberry.field(
        extensions=[ParsedIds(), *requires()], description="What you allowed mini-programs to use; one app with appId."
    )
    async def my_mini_app_consents(self, info: Info, app_id: OptionalMiniAppId = None) -> list[MiniAppConsent]:
        consents = await info.context.runtime.miniprogram_runtime.consents.consents_of(
            user_id=info.context.principal.user_id, app_id=app_id
        )
        return await _with_names(consents) if consents else []


@strawberry.type
class MiniProgramRuntimeMutation:
    @strawberry.mutation(
        extensions=[ParsedIds(), *requires()], description="Allow a mini-program to use a scope it declares."
    )
    async def grant_mini_app_consent(self, info: Info, app_id: MiniAppId, scope: str) -> GrantResult:
        try:
            consent = await info.context.runtime.miniprogram_runtime.grant(
                user_id=info.context.principal.user_id, app_id=app_id, scope=scope
            )
        except ConsentRefused as exc:
            if exc.code == "UNKNOWN_APP":
                return MiniAppNotFound(message=str(exc))
            return ScopeNotDeclared(message=str(exc), scope=scope)
        return (await _with_names([consent]))[0]

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires()], description="Withdraw a consent; it stops working at once."
    )
    async def revoke_mini_app_consent(self, info: Info, app_id: MiniAppId, scope: str) -> MiniAppConsentRevoked:
        # Only the host's scopes can be granted: any other was never in force (nor can it be stored).
        was_granted = scope in SCOPES and await info.context.runtime.miniprogram_runtime.revoke(
            user_id=info.context.principal.user_id, app_id=app_id, scope=scope
        )
        return MiniAppConsentRevoked(app_id=app_id, scope=scope, was_granted=was_granted)
