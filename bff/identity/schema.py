"""Sign-in, sessions and the signed-in user."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated

import strawberry

from bff.context import Info
from bff.errors import InvalidInput, RateLimited
from bff.ids import ParsedIds, RecordId, SessionId
from bff.identity.types import (
    AuthSession,
    CodeExpired,
    SignInRefused,
    DeviceInput,
    DeviceSignedOut,
    LoggedOut,
    LoginCodeSent,
    RefreshRejected,
    RefreshTokenReused,
    ResendTooSoon,
    Role,
    SecurityEvent,
    SessionNotFound,
    UserType,
    WrongCode,
    users_by_id,
)
from bff.permissions import requires
from identity import errors
from identity.roles import Role as DomainRole
from identity.service import Device, IssuedSession
from infra.i18n import t

RequestLoginCodeResult = Annotated[
    LoginCodeSent | ResendTooSoon | RateLimited | InvalidInput, strawberry.union("RequestLoginCodeResult")
]
LoginResult = Annotated[
    AuthSession | WrongCode | CodeExpired | SignInRefused | InvalidInput, strawberry.union("LoginResult")
]
RefreshResult = Annotated[
    AuthSession | RefreshRejected | RefreshTokenReused, strawberry.union("RefreshResult")
]
SignOutDeviceResult = Annotated[
    DeviceSignedOut | SessionNotFound | InvalidInput, strawberry.union("SignOutDeviceResult")
]
GrantRoleResult = Annotated[UserType | InvalidInput, strawberry.union("GrantRoleResult")]


def security_topic(user_id: int) -> str:
    return f"user:{user_id}:security"


async def _auth_session(info: Info, issued: IssuedSession) -> AuthSession:
    user = await info.context.loader(users_by_id).load(issued.user.id)
    return AuthSession(
        access_token=issued.access_token,
        access_token_expires_in=issued.access_expires_in,
        refresh_token=issued.refresh_token,
        user=user,
    )


@strawberry.type
class IdentityQuery:
    @strawberry.field(extensions=requires(), description="The signed-in user.")
    async def me(self, info: Info) -> UserType:
        # No DataLoader: one key, and its batching task cost more than the read it would share.
        user_id = info.context.principal.user_id
        found = await info.context.runtime.identity.profiles(user_ids=(user_id,))
        return UserType.of(found[user_id]) if user_id in found else None  # type: ignore[return-value]  # non-null error


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(description="Send a 6-digit sign-in code by SMS to a mainland mobile number.")
    async def request_login_code(self, info: Info, phone: str) -> RequestLoginCodeResult:
        try:
            seconds = await info.context.runtime.identity.request_login_code(
                phone=phone, client_ip=info.context.client_ip
            )
        except errors.InvalidPhone as exc:
            return InvalidInput(message=str(exc), field="phone")
        except errors.ResendTooSoon as exc:
            return ResendTooSoon(message=str(exc), retry_after_seconds=exc.retry_after_seconds)
        except errors.TooManyCodeRequests as exc:
            return RateLimited(message=str(exc), retry_after_seconds=exc.retry_after_seconds)
        return LoginCodeSent(expires_in_seconds=seconds)

    @strawberry.mutation(description="Exchange the SMS code for a session bound to this device.")
    async def login(self, info: Info, phone: str, code: str, device: DeviceInput) -> LoginResult:
        identity = info.context.runtime.identity
        try:
            issued = await identity.login(
                phone=phone,
                code=code,
                device=Device(device.id, device.name, device.platform.value),
            )
        except errors.InvalidPhone as exc:
            return InvalidInput(message=str(exc), field="phone")
        except errors.InvalidDevice as exc:
            return InvalidInput(message=str(exc), field="device")
        except errors.WrongCode as exc:
            return WrongCode(message=str(exc), attempts_left=exc.attempts_left)
        except errors.CodeExpired as exc:
            return CodeExpired(message=str(exc))
        except errors.SignInRefused as exc:
            return SignInRefused(message=str(exc), rule=exc.rule, reason=str(exc.reason or ""))
        await info.context.runtime.broker.publish(
            security_topic(issued.user.id),
            {
                "kind": "NEW_DEVICE_LOGIN",
                "device_name": device.name or device.platform.value,
                "platform": device.platform.value,
                "at": datetime.now().astimezone().isoformat(),
            },
        )
        return await _auth_session(info, issued)

    @strawberry.mutation(description="Rotate the refresh token; an old one revokes the session.")
    async def refresh_session(self, info: Info, refresh_token: str, device_id: str) -> RefreshResult:
        try:
            issued = await info.context.runtime.identity.refresh_session(
                refresh_token=refresh_token, device_id=device_id
            )
        except errors.RefreshTokenReused as exc:
            return RefreshTokenReused(message=str(exc))
        except errors.RefreshRejected as exc:
            return RefreshRejected(message=str(exc))
        return await _auth_session(info, issued)

    @strawberry.mutation(extensions=requires(), description="End this device's session.")
    async def logout(self, info: Info) -> LoggedOut:
        await info.context.runtime.identity.logout(principal=info.context.principal)
        return LoggedOut(ok=True)

    @strawberry.mutation(
        extensions=[ParsedIds(), *requires()],
        description="Sign out one of your devices (a lost phone, say), by its id in `me.sessions`.",
    )
    async def sign_out_device(self, info: Info, session_id: SessionId) -> SignOutDeviceResult:
        session = session_id
        try:
            await info.context.runtime.identity.sign_out_device(
                user_id=info.context.principal.user_id, session_id=session
            )
        except errors.SessionNotFound as exc:
            return SessionNotFound(message=str(exc), session_id=strawberry.ID(str(session)))
        return DeviceSignedOut(session_id=strawberry.ID(str(session)))

    @strawberry.mutation(extensions=[ParsedIds(), *requires(DomainRole.ADMIN)], description="Give a user a role.")
    async def grant_role(self, info: Info, user_id: RecordId, role: Role) -> GrantRoleResult:
        try:
            user = await info.context.runtime.identity.grant_role(user_id=user_id, role=DomainRole(role))
        except errors.UserNotFound:
            return InvalidInput(message=t("identity.user_not_found"), field="userId")
        return await info.context.loader(users_by_id).load(user.id)


@strawberry.type
class IdentitySubscription:
    @strawberry.subscription(
        extensions=requires(), description="Sign-ins on other devices, as they happen."
    )
    async def security_events(self, info: Info) -> AsyncGenerator[SecurityEvent, None]:
        topic = security_topic(info.context.principal.user_id)
        async with info.context.runtime.broker.subscribe(topic) as events:
            async for event in events:
                yield SecurityEvent(
                    kind=event["kind"],
                    device_name=event["device_name"],
                    platform=event["platform"],
                    at=datetime.fromisoformat(event["at"]),
                )
