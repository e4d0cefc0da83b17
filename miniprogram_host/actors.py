"""Who is acting, and the audit trail every change writes."""

from __future__ import annotations

from dataclasses import dataclass

from audit import service as audit_log
from identity.service import Role
from miniprogram_host.models import AuditEntry, MiniApp, OrgMember


@dataclass(frozen=True, slots=True)
class Actor:
    """A signed-in user with their roles, or an app acting with its own credentials."""

    user_id: int | None
    roles: frozenset[Role] = frozenset()
    app_id: str | None = None

    @property
    def label(self) -> str:
        return f"user:{self.user_id}" if self.user_id is not None else f"app:{self.app_id}"

    def holds(self, *roles: Role) -> bool:
        return Role.ADMIN in self.roles or bool(self.roles & set(roles))


async def is_developer_of(actor: Actor, app: MiniApp) -> bool:
    if actor.app_id is not None:
        return actor.app_id == app.app_id
    return await OrgMember.exists(org_id=app.org_id, user_id=actor.user_id)


# Decisions of reviewers and releasers: also in the bank's tamper-evident log.
CHAINED = frozenset({"approved", "rejected", "released", "rolled_back", "offline", "online", "gray_started",
                     "gray_raised", "withdrawn", "removed"})


async def audit(app: MiniApp, actor: Actor, action: str, *, version: str | None = None, **detail) -> None:
    await AuditEntry.create(app=app, actor=actor.label, action=action, version=version, detail=detail)
    if action in CHAINED:
        await audit_log.record(actor=actor.label, action=f"miniprogram.{action}", subject=f"app:{app.app_id}",
                               detail={"version": version, **detail})
