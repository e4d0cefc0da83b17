"""What the rest of the bank may read of the registry: an app's public profile, its
credentials' checks, and what its versions declare. Other domains get frozen values, never
the host's rows, so the registry's tables stay the host's own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from miniprogram_host.actors import Actor, audit
from miniprogram_host.models import AppVersion, MiniApp
from miniprogram_host.errors import BadCredentials
from miniprogram_host.registry import app_for_developer, authenticate_app


@dataclass(frozen=True, slots=True)
class AppProfile:
    """What anyone may be shown of an app: the consent prompt, the container's title bar."""

    app_id: str
    name: str
    category: str
    org_id: int  # the developing organisation (partners' unionids are per organisation)
    icon_url: str | None  # the 96 px rendition, or the only one there is

    @classmethod
    def of(cls, app: MiniApp) -> AppProfile:
        icon = app.icons.get("96") or next(iter(app.icons.values()), None)
        return cls(app.app_id, app.name, app.category, app.org_id, f"/mp/icons/{icon}.png" if icon else None)


@dataclass(frozen=True, slots=True)
class VersionDeclaration:
    """What one uploaded version declares: its JSAPIs and its scopes with the reasons users see."""

    version: str
    jsapis: frozenset[str]
    scopes: Mapping[str, str]  # scope -> reason
    # First-party versions only: GraphQL operation name -> the document holding it.
    operations: Mapping[str, str] = field(default_factory=dict)
    first_party: bool = False


async def app_profile(app_id: str) -> AppProfile | None:
    app = await MiniApp.get_or_none(app_id=app_id, removed_at__isnull=True)
    return AppProfile.of(app) if app is not None else None


async def bank_app_id(code: str) -> str | None:
    """The app id of the bank's own released mini-program whose live version names itself
    ``code`` (its manifest's ``bankApp``, such as "payroll"); None when there is none."""
    apps = await MiniApp.filter(org__first_party=True, removed_at__isnull=True, offline=False,
                                live_version_id__isnull=False).order_by("id")
    if not apps:
        return None
    live = {v.id: v for v in await AppVersion.filter(id__in=[a.live_version_id for a in apps])}
    for app in apps:
        version = live.get(app.live_version_id)
        if version is not None and version.manifest.get("bankApp") == code:
            return app.app_id
    return None


async def app_exists(app_id: str) -> bool:
    return await MiniApp.exists(app_id=app_id, removed_at__isnull=True)


async def verify_app_secret(app_id: str, secret: str) -> bool:
    """Whether ``secret`` is the app's current appSecret (constant time; False for no such app)."""
    try:
        await authenticate_app(app_id=app_id, app_secret=secret)
    except BadCredentials:
        return False
    return True


async def app_hmac_key(app_id: str) -> bytes | None:
    """The key an app's server signs requests with and its webhooks are signed with:
    SHA-256 of its appSecret, which both sides can compute. None for no such app."""
    stored = await MiniApp.filter(app_id=app_id, removed_at__isnull=True).values_list("secret_hash", flat=True)
    return bytes.fromhex(stored[0]) if stored else None


async def developed_app(*, actor: Actor, app_id: str) -> AppProfile:
    """The app, if ``actor`` develops it (or is an admin); NotFound or NotPermitted otherwise."""
    return AppProfile.of(await app_for_developer(actor=actor, app_id=app_id))


async def record_app_change(*, app_id: str, actor: Actor, action: str, **detail: object) -> None:
    """Add a line to the app's audit trail (``miniApp { audit }``) for a change made elsewhere."""
    await audit(await MiniApp.get(app_id=app_id), actor, action, **detail)


def _declaration(version: str, manifest: dict, operations: Mapping[str, str] | None = None,
                 first_party: bool = False) -> VersionDeclaration:
    return VersionDeclaration(
        version=version,
        jsapis=frozenset(manifest.get("jsapis") or ()),
        scopes={s["scope"]: s["reason"] for s in manifest.get("scopes") or () if isinstance(s, dict)},
        operations=dict(operations or {}),
        first_party=first_party,
    )


async def version_declaration(*, app_id: str, digest: str) -> VersionDeclaration | None:
    """What the app's version with this package digest declares; None if there is none."""
    row = await AppVersion.filter(app__app_id=app_id, digest=digest).order_by("-id").first().values(
        "version", "manifest", "operations", "app__org__first_party"
    )
    if row is None:
        return None
    return _declaration(row["version"], row["manifest"], row["operations"], bool(row["app__org__first_party"]))


async def released_scopes(app_id: str) -> dict[str, str] | None:
    """The scopes (with reasons) the app's live and gray versions declare; None for no such app."""
    app = await MiniApp.get_or_none(app_id=app_id)
    if app is None:
        return None
    ids = [i for i in (app.live_version_id, app.gray_version_id) if i is not None]
    scopes: dict[str, str] = {}
    for manifest in await AppVersion.filter(id__in=ids).values_list("manifest", flat=True) if ids else ():
        for scope, reason in _declaration("", manifest).scopes.items():
            scopes.setdefault(scope, reason)
    return scopes
