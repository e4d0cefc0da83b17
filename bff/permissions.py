"""Field permissions, declared on the field: ``@strawberry.field(extensions=requires(...))``."""

from __future__ import annotations

from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from identity.roles import Role


class IsAuthenticated(BasePermission):
    message = "Sign in to do this."
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info, **kwargs: Any) -> bool:
        return info.context.principal is not None


class HasRole(BasePermission):
    """Granted when the caller holds any of the roles; admin holds every role."""

    error_extensions = {"code": "FORBIDDEN"}

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)
        self.message = "This needs the role " + " or ".join(sorted(r.value for r in roles)) + "."

    def has_permission(self, source: Any, info, **kwargs: Any) -> bool:
        principal = info.context.principal
        return principal is not None and principal.has_any(self.roles)


def requires(*roles: Role) -> list[FieldExtension]:
    """Signed-in callers only; with roles, callers holding one of them."""
    permissions: list[BasePermission] = [IsAuthenticated()]
    if roles:
        permissions.append(HasRole(*roles))
    return [PermissionExtension(permissions=permissions, use_directives=False)]
