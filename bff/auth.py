"""Resolves the caller once per request from ``Authorization: Bearer <access token>``."""

from __future__ import annotations

from starlette.authentication import AuthCredentials, AuthenticationBackend, BaseUser
from starlette.requests import HTTPConnection

from identity.tokens import Principal


class PrincipalUser(BaseUser):
    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return f"user:{self.principal.user_id}"


class BearerTokenBackend(AuthenticationBackend):
    """An invalid, expired or revoked token leaves the caller anonymous; fields then refuse."""

    async def authenticate(self, conn: HTTPConnection):
        if conn.scope["type"] == "websocket":
            return None  # sockets sign in with connection_init only (bff/subscriptions.py)
        header = conn.headers.get("authorization")
        if not header or not header.startswith("Bearer "):
            return None
        principal = await conn.app.state.runtime.identity.authenticate(header[7:].strip())
        if principal is None:
            return None
        conn.scope["principal"] = principal
        return AuthCredentials(["authenticated", *(r.value for r in principal.roles)]), PrincipalUser(principal)
