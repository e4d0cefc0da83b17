"""The home screen's grid: every released mini-program this user gets, with name and icon.

Two queries whatever the number of apps (the apps, then their live and gray versions) and
one segment look-up for all the gray releases by segment; each app is then resolved with
the same pure decision as a cold start (``resolution.choose``), so the grid never shows an
app the user could not open.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q

from miniprogram_host.directory import AppProfile
from miniprogram_host.models import AppVersion, MiniApp
from miniprogram_host.resolution import Resolved, choose, snapshot_of
from miniprogram_host.segments import SegmentDirectory

MAX_GRID = 48


@dataclass(frozen=True, slots=True)
class GridApp:
    profile: AppProfile
    version: str
    channel: str  # "live" or "gray"


async def grid_for(*, user_id: int, platform: str, client_version: str, segments: SegmentDirectory,
                   limit: int = 24) -> list[GridApp]:
    """``client_version`` must be a semantic version (the caller checked it)."""
    apps = await MiniApp.filter(Q(live_version_id__isnull=False) | Q(gray_version_id__isnull=False),
                                offline=False).order_by("id").limit(max(1, min(limit, MAX_GRID)))
    ids = [i for a in apps for i in (a.live_version_id, a.gray_version_id) if i is not None]
    versions = {v.id: v for v in await AppVersion.filter(id__in=ids)} if ids else {}
    wanted = sorted({s for a in apps if a.gray_version_id for s in (a.gray_rules or {}).get("segments", ())})
    mine = await segments.member_of(user_id=user_id, segment_ids=wanted) if wanted else frozenset()
    grid = []
    for app in apps:
        snapshot = snapshot_of(app, versions)
        in_segment = bool(mine & set((app.gray_rules or {}).get("segments", ())))
        answer = choose(snapshot, app_id=app.app_id, subject=f"u:{user_id}", user_id=user_id, platform=platform,
                        client_version=client_version, in_segment=in_segment)
        if isinstance(answer, Resolved):
            grid.append(GridApp(AppProfile.of(app), answer.version, answer.channel))
    return grid
