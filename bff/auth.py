"""Resolves the caller once per request from ``Authorization: Bearer <access token>``.

``bff.middleware.RequestPipeline`` calls ``authenticate`` before the route; routes and
resolvers read ``scope["principal"]``. ``scope["auth"]`` and ``scope["user"]`` are filled as
Starlette's AuthenticationMiddleware fills them, so ``request.user`` keeps working.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.authentication import AuthCredentials, BaseUser, UnauthenticatedUser
from starlette.types import Scope

from identity.tokens import Principal

_NO_CREDENTIALS = AuthCredentials()
_NOBODY = UnauthenticatedUser()


class PrincipalUser(BaseUser):
    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return f"user:{self.principal.user_id}"


def anonymous(scope: Scope) -> None:
    scope["auth"] = _NO_CREDENTIALS
    scope["user"] = _NOBODY


async def authenticate(scope: Scope, raw_headers: Iterable[tuple[bytes, bytes]], headers: dict[bytes, bytes]) -> None:
    """An invalid, expired or revoked token leaves the caller anonymous; fields then refuse.

    ``headers`` is the request's headers as a dict (the last of a repeated name); the first
    Authorization header counts, as Starlette's ``Headers.get`` reads it.
    """
    if b"authorization" not in headers:
        anonymous(scope)
        return
    header = next(value for name, value in raw_headers if name == b"authorization").decode("latin-1")
    if not header.startswith("Bearer "):
        anonymous(scope)
        return
    principal = await scope["app"].state.runtime.identity.authenticate(header[7:].strip())
    if principal is None:
        anonymous(scope)
        return
    scope["principal"] = principal
    scope["auth"] = AuthCredentials(["authenticated", *(r.value for r in principal.roles)])
    scope["user"] = PrincipalUser(principal)
