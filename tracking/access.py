"""Who may read which app's events: operators all of them, developers their own apps.

A developer sees the apps of every organisation they belong to in the mini-program
registry, plus any app an operator assigned them in ``tracking_app_developer`` (for
analytics readers who are not members of the developing organisation).
"""

from __future__ import annotations

from dataclasses import dataclass

from miniprogram_host import service as host
from tracking.errors import AppNotVisible
from tracking.models import AppDeveloper


@dataclass(frozen=True, slots=True)
class ReadScope:
    """The apps a caller may read; ``app_ids`` None means every app and the super-app."""

    app_ids: frozenset[str] | None

    def narrow(self, app_id: str | None) -> list[str] | None:
        """The app filter of a report: one app if asked, else every visible app."""
        if app_id is not None:
            if self.app_ids is not None and app_id not in self.app_ids:
                raise AppNotVisible(app_id)
            return [app_id]
        return None if self.app_ids is None else sorted(self.app_ids)


class AppOwnership:
    async def apps_of(self, user_id: int) -> frozenset[str]:
        assigned = await AppDeveloper.filter(user_id=user_id).values_list("app_id", flat=True)
        return frozenset(assigned) | await host.app_ids_developed_by(user_id)

    async def developers_of(self, app_id: str) -> list[int]:
        assigned = await AppDeveloper.filter(app_id=app_id).values_list("user_id", flat=True)
        return sorted(set(assigned) | await host.developer_user_ids_for_app(app_id))

    async def assign(self, *, app_id: str, user_id: int) -> None:
        await AppDeveloper.get_or_create(app_id=app_id, user_id=user_id)

    async def scope_for(self, *, user_id: int, sees_everything: bool) -> ReadScope:
        if sees_everything:
            return ReadScope(None)
        return ReadScope(await self.apps_of(user_id))
