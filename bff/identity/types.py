from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import Enum

import strawberry

from bff.context import Context, Info
from bff.errors import Error
from identity.roles import Role as DomainRole
from identity.service import UserProfile
from infra.masking import mask_phone

Role = strawberry.enum(DomainRole, name="Role")


@strawberry.enum
class Platform(Enum):
    IOS = "ios"
    ANDROID = "android"
    H5 = "h5"


@strawberry.input
class DeviceInput:
    id: str = strawberry.field(description="A stable per-install id, 8-128 characters.")
    name: str = ""
    platform: Platform = Platform.H5


@strawberry.type
class DeviceSession:
    id: strawberry.ID
    device_name: str
    platform: str
    created_at: datetime
    current: bool


@strawberry.type(name="User")
class UserType:
    id: strawberry.ID
    masked_phone: str = strawberry.field(description="The phone number as 138****5678.")
    roles: list[Role]
    created_at: datetime

    @classmethod
    def of(cls, user: UserProfile) -> UserType:
        return cls(
            id=strawberry.ID(str(user.id)),
            masked_phone=mask_phone(user.phone),
            roles=list(user.roles),
            created_at=user.created_at,
        )

    @strawberry.field(description="Devices signed in to this account.")
    async def sessions(self, info: Info) -> list[DeviceSession]:
        current = info.context.principal.session_id if info.context.principal else None
        rows = await info.context.runtime.identity.sessions_of(user_id=int(self.id))
        return [
            DeviceSession(
                id=strawberry.ID(str(s.id)),
                device_name=s.device_name,
                platform=s.platform,
                created_at=s.created_at,
                current=str(s.id) == current,
            )
            for s in rows
        ]


async def users_by_id(context: Context, ids: Sequence[int]) -> list[UserType | None]:
    found = await context.runtime.identity.profiles(user_ids=ids)
    return [UserType.of(found[i]) if i in found else None for i in ids]


@strawberry.type
class LoginCodeSent:
    expires_in_seconds: int


@strawberry.type
class AuthSession:
    access_token: str
    access_token_expires_in: int
    refresh_token: str
    user: UserType


@strawberry.type(description="A code was just sent to this phone; ask again after `retryAfterSeconds`.")
class ResendTooSoon(Error):
    retry_after_seconds: int


@strawberry.type(description="The code is wrong; after the last attempt it is burned.")
class WrongCode(Error):
    attempts_left: int


@strawberry.type(description="No live code for this phone: request a new one.")
class CodeExpired(Error):
    pass


@strawberry.type(description="Transaction monitoring refused this sign-in; `rule` names the rule, `reason` says why.")
class SignInRefused(Error):
    rule: str
    reason: str


@strawberry.type(description="The refresh token cannot be used; sign in again.")
class RefreshRejected(Error):
    pass


@strawberry.type(description="An old refresh token was presented; the session was revoked.")
class RefreshTokenReused(Error):
    pass


@strawberry.type
class LoggedOut:
    ok: bool


@strawberry.type(description="The device's session ended: its tokens and subscriptions stopped at once.")
class DeviceSignedOut:
    session_id: strawberry.ID


@strawberry.type(description="None of your signed-in devices has this id.")
class SessionNotFound(Error):
    session_id: strawberry.ID


@strawberry.type
class SecurityEvent:
    kind: str
    device_name: str
    platform: str
    at: datetime
