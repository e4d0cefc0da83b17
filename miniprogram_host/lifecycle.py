"""A version's life: uploaded → submitted → approved | rejected → gray → released.

Invariants kept here, each with the race it guards against:
- one version per app is in flight (submitted, approved or gray): claimed with a
  conditional update of ``MiniApp.in_flight_version_id``, so two submissions cannot both win;
- a review decision is a conditional update from ``submitted``: when two reviewers decide
  at once exactly one update matches and the other is told the version was reviewed;
- release changes lock the app row, bump ``release_revision`` and refresh the cached
  snapshot after commit, so the next resolution already sees them.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

from tortoise.transactions import in_transaction

from identity.service import Role
from ledger.service import delete_app_card_tokens
from miniprogram_host.actors import Actor, audit, is_developer_of
from miniprogram_host.errors import (
    DevelopmentVersion,
    AlreadyReviewed,
    GrayPercentageMustRise,
    InvalidArgument,
    InvalidTransition,
    NotFound,
    NotPermitted,
    RollbackTargetInvalid,
    SelfReview,
    VersionInFlight,
)
from infra.i18n import Text
from miniprogram_host.models import AppVersion, MiniApp
from miniprogram_host.packages import dev_domains_of
from miniprogram_host.registry import app_for_developer, secret_hash
from miniprogram_host.semver import is_semver
from miniprogram_host.segments import MAX_SEGMENTS, NoSegments, SegmentDirectory

UPLOADED, SUBMITTED, APPROVED, REJECTED = "uploaded", "submitted", "approved", "rejected"
GRAY, RELEASED, SUPERSEDED, WITHDRAWN = "gray", "released", "superseded", "withdrawn"
CHECKLIST = ("content", "privacy", "functionality", "security", "compliance", "user_interface")
ROLLBACK_DEPTH = 5
PLATFORMS = ("ios", "android", "h5")

Refresh = Callable[[str], Awaitable[None]]


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def _version(app: MiniApp, version: str) -> AppVersion:
    found = await AppVersion.get_or_none(app=app, version=version)
    if found is None:
        raise NotFound(Text("miniprogram_host.no_such_version", app_id=app.app_id, version=version))
    return found


def _not_in_development(v: AppVersion) -> None:
    """A version naming development origins (localhost) never reaches review, gray or release."""
    origins = dev_domains_of(v.manifest)
    if origins:
        raise DevelopmentVersion(version=v.version, origins=origins)


async def _release_app(actor: Actor, app_id: str) -> MiniApp:
    """Releases are run by operators or by the app's own developers."""
    return await app_for_developer(actor=actor, app_id=app_id, staff_roles=(Role.OPERATOR,))


async def submit(*, actor: Actor, app_id: str, version: str) -> AppVersion:
    app = await app_for_developer(actor=actor, app_id=app_id)
    v = await _version(app, version)
    if v.state != UPLOADED:
        raise InvalidTransition(action="submit", state=v.state)
    _not_in_development(v)
    async with in_transaction():
        claimed = await MiniApp.filter(id=app.id, in_flight_version_id=None).update(in_flight_version_id=v.id)
        if not claimed:
            other = await AppVersion.get(id=(await MiniApp.get(id=app.id)).in_flight_version_id)
            raise VersionInFlight(version=other.version, state=other.state)
        moved = await AppVersion.filter(id=v.id, state=UPLOADED).update(state=SUBMITTED, submitted_at=_now())
        if not moved:
            raise InvalidTransition(action="submit", state=(await AppVersion.get(id=v.id)).state)
        await audit(app, actor, "submitted", version=version)
    await v.refresh_from_db()
    return v


async def review_queue() -> list[AppVersion]:
    """Submitted versions, oldest first: the order reviewers work in."""
    return await AppVersion.filter(state=SUBMITTED).order_by("submitted_at", "id").prefetch_related("app")


async def _reviewable(actor: Actor, app_id: str, version: str) -> tuple[MiniApp, AppVersion]:
    app = await MiniApp.get_or_none(app_id=app_id, removed_at__isnull=True)
    if app is None:
        raise NotFound()
    if await is_developer_of(actor, app):
        raise SelfReview()
    return app, await _version(app, version)


async def approve(*, actor: Actor, app_id: str, version: str, note: str = "") -> AppVersion:
    app, v = await _reviewable(actor, app_id, version)
    async with in_transaction():
        decided = await AppVersion.filter(id=v.id, state=SUBMITTED).update(
            state=APPROVED, reviewer_id=actor.user_id, reviewed_at=_now(),
            review={"decision": "approved", "note": note.strip()[:2000], "reasons": []},
        )
        if not decided:
            raise AlreadyReviewed(state=(await AppVersion.get(id=v.id)).state)
        await audit(app, actor, "approved", version=version, note=note.strip()[:2000])
    await v.refresh_from_db()
    return v


async def reject(*, actor: Actor, app_id: str, version: str, reasons: list[tuple[str, str]]) -> AppVersion:
    """Reject with one reason per failed checklist item, so the developer knows what to fix."""
    items = []
    for item, reason in reasons:
        if item not in CHECKLIST:
            raise InvalidArgument(Text("miniprogram_host.checklist_items", items=", ".join(CHECKLIST)), field="reasons")
        if len(reason.strip()) < 10:
            raise InvalidArgument(Text("miniprogram_host.reason_too_short", min=10), field="reasons")
        items.append({"item": item, "reason": reason.strip()[:2000]})
    if not items:
        raise InvalidArgument(Text("miniprogram_host.rejection_needs_reason"), field="reasons")
    app, v = await _reviewable(actor, app_id, version)
    async with in_transaction():
        decided = await AppVersion.filter(id=v.id, state=SUBMITTED).update(
            state=REJECTED, reviewer_id=actor.user_id, reviewed_at=_now(),
            review={"decision": "rejected", "note": "", "reasons": items},
        )
        if not decided:
            raise AlreadyReviewed(state=(await AppVersion.get(id=v.id)).state)
        await MiniApp.filter(id=app.id, in_flight_version_id=v.id).update(in_flight_version_id=None)
        await audit(app, actor, "rejected", version=version, reasons=items)
    await v.refresh_from_db()
    return v


async def withdraw(*, actor: Actor, app_id: str, version: str) -> AppVersion:
    """The developer takes back a submitted or approved version, freeing the slot."""
    app = await app_for_developer(actor=actor, app_id=app_id)
    v = await _version(app, version)
    async with in_transaction():
        moved = await AppVersion.filter(id=v.id, state__in=(SUBMITTED, APPROVED)).update(state=WITHDRAWN)
        if not moved:
            raise InvalidTransition(action="withdraw", state=v.state)
        await MiniApp.filter(id=app.id, in_flight_version_id=v.id).update(in_flight_version_id=None)
        await audit(app, actor, "withdrawn", version=version)
    await v.refresh_from_db()
    return v


def _gray_rules(*, percent: int, whitelist: list[int], platforms: list[str], min_client_version: str | None,
                max_client_version: str | None, segments: list[int] = ()) -> dict:
    if not 0 <= percent <= 100:
        raise InvalidArgument(Text("miniprogram_host.percent_range"), field="percent")
    if len(whitelist) > 1000:
        raise InvalidArgument(Text("miniprogram_host.whitelist_size", max=1000), field="whitelist")
    if any(p not in PLATFORMS for p in platforms):
        raise InvalidArgument(Text("miniprogram_host.platforms", platforms=", ".join(PLATFORMS)), field="platforms")
    for name, value in (("minClientVersion", min_client_version), ("maxClientVersion", max_client_version)):
        if value is not None and not is_semver(value):
            raise InvalidArgument(Text("miniprogram_host.client_version_semver"), field=name)
    return {
        "percent": percent, "whitelist": sorted(set(whitelist)), "platforms": sorted(set(platforms)),
        "minClientVersion": min_client_version, "maxClientVersion": max_client_version,
        "segments": sorted(set(segments)),
    }


async def start_gray(*, actor: Actor, app_id: str, version: str, percent: int, whitelist: list[int],
                     platforms: list[str], min_client_version: str | None, max_client_version: str | None,
                     refresh: Refresh, segments: list[int] = (), directory: SegmentDirectory | None = None) -> MiniApp:
    """``segments``: audience segments whose members always get the gray version (checked
    against ``directory``; an unknown id is refused)."""
    if len(segments) > MAX_SEGMENTS:
        raise InvalidArgument(Text("miniprogram_host.segments_size", max=MAX_SEGMENTS), field="segments")
    if segments:
        known = await (directory or NoSegments()).known(list(segments))
        if set(segments) - known:
            raise InvalidArgument(Text("miniprogram_host.unknown_segment"), field="segments")
    rules = _gray_rules(percent=percent, whitelist=whitelist, platforms=platforms, segments=list(segments),
                        min_client_version=min_client_version, max_client_version=max_client_version)
    app = await _release_app(actor, app_id)
    async with in_transaction():
        app = await MiniApp.select_for_update().get(id=app.id)
        v = await _version(app, version)
        if v.state != APPROVED:
            raise InvalidTransition(action="start_gray", state=v.state)
        _not_in_development(v)
        await AppVersion.filter(id=v.id).update(state=GRAY)
        app.gray_version_id, app.gray_rules = v.id, rules
        app.release_revision += 1
        await app.save(update_fields=["gray_version_id", "gray_rules", "release_revision"])
        await audit(app, actor, "gray_started", version=version, rules=rules)
    await refresh(app.app_id)
    return app


async def raise_gray(*, actor: Actor, app_id: str, percent: int, refresh: Refresh) -> MiniApp:
    app = await _release_app(actor, app_id)
    async with in_transaction():
        app = await MiniApp.select_for_update().get(id=app.id)
        if app.gray_version_id is None:
            raise InvalidArgument(Text("miniprogram_host.no_gray_release"), field="appId")
        if percent > 100:
            raise InvalidArgument(Text("miniprogram_host.percent_range"), field="percent")
        current = app.gray_rules.get("percent", 0)
        if percent <= current:
            raise GrayPercentageMustRise(current=current)
        app.gray_rules = {**app.gray_rules, "percent": percent}
        app.release_revision += 1
        await app.save(update_fields=["gray_rules", "release_revision"])
        gray = await AppVersion.get(id=app.gray_version_id)
        await audit(app, actor, "gray_raised", version=gray.version, before=current, after=percent)
    await refresh(app.app_id)
    return app


async def release(*, actor: Actor, app_id: str, version: str, refresh: Refresh) -> MiniApp:
    """Full release of an approved or gray version to everyone."""
    app = await _release_app(actor, app_id)
    async with in_transaction():
        app = await MiniApp.select_for_update().get(id=app.id)
        v = await _version(app, version)
        if v.state not in (APPROVED, GRAY):
            raise InvalidTransition(action="release", state=v.state)
        _not_in_development(v)
        await _make_live(app, v)
        app.gray_version_id, app.gray_rules, app.in_flight_version_id = None, {}, None
        app.release_revision += 1
        await app.save(update_fields=["live_version_id", "gray_version_id", "gray_rules",
                                      "in_flight_version_id", "release_revision"])
        await audit(app, actor, "released", version=version, previous_state=v.state)
    await refresh(app.app_id)
    return app


async def _make_live(app: MiniApp, v: AppVersion) -> None:
    if app.live_version_id is not None and app.live_version_id != v.id:
        await AppVersion.filter(id=app.live_version_id).update(state=SUPERSEDED)
    await AppVersion.filter(id=v.id).update(state=RELEASED, released_at=v.released_at or _now())
    app.live_version_id = v.id


async def rollback_targets(app: MiniApp) -> list[AppVersion]:
    """The last 5 released versions other than the live one, newest first."""
    return await (
        AppVersion.filter(app=app, released_at__isnull=False)
        .exclude(id=app.live_version_id or 0)
        .order_by("-released_at", "-id")
        .limit(ROLLBACK_DEPTH)
    )


async def rollback(*, actor: Actor, app_id: str, version: str, refresh: Refresh) -> MiniApp:
    """Make an earlier release live at once; a running gray release is withdrawn with it.

    During a gray release the live version itself is a target too: that stops the gray
    release and leaves everyone on what they had.
    """
    app = await _release_app(actor, app_id)
    async with in_transaction():
        app = await MiniApp.select_for_update().get(id=app.id)
        targets = await rollback_targets(app)
        if app.gray_version_id is not None and app.live_version_id is not None:
            # During a gray release, "back to the live version" ends the gray release.
            targets.insert(0, await AppVersion.get(id=app.live_version_id))
        target = next((t for t in targets if t.version == version), None)
        if target is None:
            raise RollbackTargetInvalid(allowed=[t.version for t in targets])
        withdrawn = None
        if app.gray_version_id is not None:
            gray = await AppVersion.get(id=app.gray_version_id)
            await AppVersion.filter(id=gray.id).update(state=WITHDRAWN)
            withdrawn = gray.version
            if app.in_flight_version_id == gray.id:
                app.in_flight_version_id = None
        previous = (await AppVersion.get(id=app.live_version_id)).version if app.live_version_id else None
        await _make_live(app, target)
        app.gray_version_id, app.gray_rules = None, {}
        app.release_revision += 1
        await app.save(update_fields=["live_version_id", "gray_version_id", "gray_rules",
                                      "in_flight_version_id", "release_revision"])
        await audit(app, actor, "rolled_back", version=version, previous=previous, gray_withdrawn=withdrawn)
    await refresh(app.app_id)
    return app


async def set_offline(*, actor: Actor, app_id: str, offline: bool, reason: str, refresh: Refresh) -> MiniApp:
    """Take the whole app out of clients (or bring it back); only operators may."""
    if not actor.holds(Role.OPERATOR):
        raise NotPermitted(Text("miniprogram_host.only_operators_offline"))
    if len(reason.strip()) < 4:
        raise InvalidArgument(Text("miniprogram_host.offline_reason", min=4), field="reason")
    app = await MiniApp.get_or_none(app_id=app_id, removed_at__isnull=True)  # a removed app stays offline
    if app is None:
        raise NotFound()
    async with in_transaction():
        app = await MiniApp.select_for_update().get(id=app.id)
        app.offline = offline
        app.release_revision += 1
        await app.save(update_fields=["offline", "release_revision"])
        await audit(app, actor, "offline" if offline else "online", reason=reason.strip()[:500])
    await refresh(app.app_id)
    return app


async def remove_app(*, actor: Actor, app_id: str, reason: str, refresh: Refresh) -> MiniApp:
    """Remove an app for good: operators, or the app's own developers, may. It leaves every
    client, its appSecret stops working, every lookup finds no such app, and the ledger
    deletes the card tokens made for it, in the same transaction. Never undone."""
    app = await app_for_developer(actor=actor, app_id=app_id, staff_roles=(Role.OPERATOR,))
    if len(reason.strip()) < 4:
        raise InvalidArgument(Text("miniprogram_host.removal_reason", min=4), field="reason")
    async with in_transaction():
        app = await MiniApp.select_for_update().get(id=app.id)
        if app.removed_at is not None:  # removed meanwhile by someone else
            raise NotFound()
        app.removed_at, app.offline = _now(), True
        app.secret_hash = secret_hash(secrets.token_urlsafe(32))  # a secret nobody was given
        app.release_revision += 1
        await app.save(update_fields=["removed_at", "offline", "secret_hash", "release_revision"])
        deleted = await delete_app_card_tokens(app_id=app.app_id)
        await audit(app, actor, "removed", reason=reason.strip()[:500], card_tokens_deleted=deleted)
    await refresh(app.app_id)
    return app


async def versions_of(app: MiniApp) -> list[AppVersion]:
    return await AppVersion.filter(app=app).order_by("-uploaded_at", "-id")


def describe_release(app: MiniApp, versions: list[AppVersion]) -> dict:
    by_id = {v.id: v for v in versions}
    live, gray = by_id.get(app.live_version_id), by_id.get(app.gray_version_id)
    return {
        "live": live.version if live else None,
        "gray": gray.version if gray else None,
        "grayPercent": app.gray_rules.get("percent") if gray else None,
        "offline": app.offline,
        "revision": app.release_revision,
    }
