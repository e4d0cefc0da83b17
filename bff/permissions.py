"""Field permissions, declared on the field: ``@strawberry.field(extensions=requires(...))``."""

from __future__ import annotations

from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from identity.roles import Role
from infra.i18n import Text, t


_ROLE_NAMES = {
    Role.CUSTOMER: Text("bff.role_customer"),
    Role.DEVELOPER: Text("bff.role_developer"),
    Role.OPERATOR: Text("bff.role_operator"),
    Role.REVIEWER: Text("bff.role_reviewer"),
    Role.ADMIN: Text("bff.role_admin"),
    Role.CREDIT_OFFICER: Text("bff.role_credit_officer"),
}


class IsAuthenticated(BasePermission):
    error_extensions = {"code": "UNAUTHENTICATED"}

    @property
    def message(self) -> str:  # read when the field is refused, in the caller's language
        return t("bff.sign_in")

    def has_permission(self, source: Any, info, **kwargs: Any) -> bool:
        return info.context.principal is not None


class HasRole(BasePermission):
    """Granted when the caller holds any of the roles; admin holds every role."""

    error_extensions = {"code": "FORBIDDEN"}

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    @property
    def message(self) -> str:
        names = [str(_ROLE_NAMES[role]) for role in sorted(self.roles, key=lambda r: r.value)]
        return t("bff.needs_role", roles=t("bff.or").join(names))

    def has_permission(self, source: Any, info, **kwargs: Any) -> bool:
        principal = info.context.principal
        return principal is not None and principal.has_any(self.roles)


def requires(*roles: Role) -> list[FieldExtension]:
    """Signed-in callers only; with roles, callers holding one of them."""
    permissions: list[BasePermission] = [IsAuthenticated()]
    if roles:
        permissions.append(HasRole(*roles))
    return [PermissionExtension(permissions=permissions, use_directives=False)]
