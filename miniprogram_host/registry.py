"""Developer organisations and their apps: credentials, profile, icons, domain whitelists."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from enum import Enum

from tortoise.transactions import in_transaction

from identity.service import Role
from infra.i18n import Text
from miniprogram_host.actors import Actor, audit, is_developer_of
from miniprogram_host.errors import BadCredentials, InvalidArgument, NotFound, NotPermitted
from miniprogram_host.icons import icon_renditions
from miniprogram_host.models import DeveloperOrg, MiniApp, OrgMember
from miniprogram_host.packages import DOMAIN_KINDS, MAX_DEV_DOMAINS, is_dev_origin, is_host_name, normalise_domains
from miniprogram_host.storage import BlobStore

MAX_DOMAINS_PER_KIND = 200


class AppCategory(str, Enum):
    """Where an app is listed; the value is what is stored."""

    FINANCE = "finance"
    SHOPPING = "shopping"
    TRAVEL = "travel"
    LIFE = "life"
    GOVERNMENT = "government"
    EDUCATION = "education"
    HEALTH = "health"
    TOOLS = "tools"


CATEGORIES = tuple(c.value for c in AppCategory)


def secret_hash(secret: str) -> str:
    # The secret is 32 random bytes, so a plain SHA-256 cannot be brute-forced; a slow
    # password hash would only slow down every publish.
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> str:
    return "sk_" + secrets.token_urlsafe(32)


def _text(value: str, *, field: str, low: int, high: int) -> str:
    value = (value or "").strip()
    if not low <= len(value) <= high:
        raise InvalidArgument(Text("miniprogram_host.text_length", field=field, low=low, high=high), field=field)
    return value


def _category(value: str) -> str:
    if value not in CATEGORIES:
        raise InvalidArgument(Text("miniprogram_host.category", categories=", ".join(CATEGORIES)), field="category")
    return AppCategory(value).value


async def create_org(*, actor: Actor, name: str) -> DeveloperOrg:
    name = _text(name, field="name", low=2, high=100)
    async with in_transaction():
        org = await DeveloperOrg.create(name=name, created_by=actor.user_id)
        await OrgMember.create(org=org, user_id=actor.user_id)
    return org


async def add_org_member(*, actor: Actor, org_id: int, user_id: int) -> DeveloperOrg:
    org = await _member_org(actor, org_id)
    await OrgMember.get_or_create(org=org, user_id=user_id)
    return org


async def set_first_party(*, actor: Actor, org_id: int, first_party: bool) -> DeveloperOrg:
    """Mark an organisation as the bank's own (its apps may call bankGraphql): admins only."""
    if not actor.holds(Role.ADMIN):
        raise NotPermitted(Text("miniprogram_host.first_party_admin_only"))
    org = await DeveloperOrg.get_or_none(id=org_id)
    if org is None:
        raise NotFound()
    org.first_party = first_party
    await org.save(update_fields=["first_party"])
    return org


async def orgs_of(*, user_id: int) -> list[DeveloperOrg]:
    return await DeveloperOrg.filter(members__user_id=user_id).order_by("id")


async def _member_org(actor: Actor, org_id: int) -> DeveloperOrg:
    org = await DeveloperOrg.get_or_none(id=org_id)
    if org is None:
        raise NotFound()
    if not actor.holds(Role.ADMIN) and not await OrgMember.exists(org=org, user_id=actor.user_id):
        raise NotPermitted(Text("miniprogram_host.not_org_member"))
    return org


async def register_app(*, actor: Actor, org_id: int, name: str, category: str, description: str) -> tuple[MiniApp, str]:
    """A new app with its appId and appSecret; the secret is returned here and never again."""
    org = await _member_org(actor, org_id)
    name = _text(name, field="name", low=2, high=60)
    category = _category(category)
    description = _text(description, field="description", low=0, high=2000)
    secret = _new_secret()
    app = await MiniApp.create(
        app_id="mp" + secrets.token_hex(8),
        secret_hash=secret_hash(secret),
        org=org,
        name=name,
        category=category,
        description=description,
        domains=normalise_domains({}),
    )
    await audit(app, actor, "registered", name=name, category=category)
    return app, secret


async def app_for_developer(*, actor: Actor, app_id: str, staff_roles: tuple[Role, ...] = ()) -> MiniApp:
    """The app, if the actor develops it (or holds one of the staff roles); a removed app is not found."""
    app = await MiniApp.get_or_none(app_id=app_id, removed_at__isnull=True)
    if app is None:
        raise NotFound()
    if (staff_roles and actor.holds(*staff_roles)) or actor.holds(Role.ADMIN):
        return app
    if not await is_developer_of(actor, app):
        raise NotPermitted()
    return app


async def reset_secret(*, actor: Actor, app_id: str) -> str:
    app = await app_for_developer(actor=actor, app_id=app_id)
    secret = _new_secret()
    app.secret_hash = secret_hash(secret)
    await app.save(update_fields=["secret_hash"])
    await audit(app, actor, "secret_reset")
    return secret


async def authenticate_app(*, app_id: str, app_secret: str) -> MiniApp:
    app = await MiniApp.get_or_none(app_id=app_id, removed_at__isnull=True)
    expected = app.secret_hash if app else secret_hash("")
    if not hmac.compare_digest(expected, secret_hash(app_secret)) or app is None:
        raise BadCredentials()
    return app


async def update_profile(
    *, actor: Actor, app_id: str, store: BlobStore, name: str | None = None, category: str | None = None,
    description: str | None = None, icon: bytes | None = None,
) -> MiniApp:
    app = await app_for_developer(actor=actor, app_id=app_id)
    changed: dict[str, object] = {}
    if name is not None:
        app.name = changed["name"] = _text(name, field="name", low=2, high=60)
    if category is not None:
        app.category = changed["category"] = _category(category)
    if description is not None:
        app.description = changed["description"] = _text(description, field="description", low=0, high=2000)
    if icon is not None:
        renditions = await asyncio.to_thread(icon_renditions, icon)
        app.icons = {str(size): await asyncio.to_thread(store.put, png, ".png") for size, png in renditions.items()}
        changed["icons"] = app.icons
    if changed:
        await app.save()
        await audit(app, actor, "profile_changed", **changed)
    return app


def _host_of(entry: str) -> str:
    """A whitelist entry as a bare host name: ``https://API.example.com/v1`` is ``api.example.com``."""
    text = entry.strip().lower()
    if "://" in text:
        text = text.split("://", 1)[1]
    return text.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]


async def set_domains(*, actor: Actor, app_id: str, kind: str, domains: list[str]) -> MiniApp:
    """Replace one whitelist; the audit entry records what was added and removed."""
    if kind not in DOMAIN_KINDS:
        raise InvalidArgument(Text("miniprogram_host.domain_kind", kinds=", ".join(DOMAIN_KINDS)), field="kind")
    wanted = sorted({_host_of(d) for d in domains})
    if len(wanted) > MAX_DOMAINS_PER_KIND:
        raise InvalidArgument(Text("miniprogram_host.domains_per_list", max=MAX_DOMAINS_PER_KIND), field="domains")
    bad = [d for d in wanted if not is_host_name(d)]
    if bad:
        raise InvalidArgument(Text("miniprogram_host.not_host_names", names=", ".join(bad[:5])), field="domains")
    return await _replace_whitelist(actor, app_id, wanted, kind)


async def set_dev_domains(*, actor: Actor, app_id: str, domains: list[str]) -> MiniApp:
    """Replace the development whitelist: local origins (``localhost:5173``) that a version in
    development may name, for its developers' preview alone. URLs are cut down to host:port."""
    wanted = sorted({_host_of(d) for d in domains})
    if len(wanted) > MAX_DEV_DOMAINS:
        raise InvalidArgument(Text("miniprogram_host.dev_domains_size", max=MAX_DEV_DOMAINS), field="domains")
    bad = [d for d in wanted if not is_dev_origin(d)]
    if bad:
        raise InvalidArgument(Text("miniprogram_host.not_dev_origins", names=", ".join(bad[:5])), field="domains")
    return await _replace_whitelist(actor, app_id, wanted, None)


async def _replace_whitelist(actor: Actor, app_id: str, wanted: list[str], kind: str | None) -> MiniApp:
    """One whitelist replaced (``kind`` None: the development one), audited with what was
    added and removed."""
    async with in_transaction():
        app = await app_for_developer(actor=actor, app_id=app_id)
        app = await MiniApp.select_for_update().get(id=app.id)
        if kind is None:
            before, app.dev_domains = set(app.dev_domains), wanted
            await app.save(update_fields=["dev_domains"])
        else:
            before = set(app.domains.get(kind, []))
            app.domains = {**normalise_domains(app.domains), kind: wanted}
            await app.save(update_fields=["domains"])
        added, removed = sorted(set(wanted) - before), sorted(before - set(wanted))
        if added or removed:
            await audit(app, actor, "domains_changed", kind=kind or "development", added=added, removed=removed)
    return app


async def developer_user_ids_for_app(app_id: str) -> set[int]:
    """The users who develop an app (members of its organisation); empty if unknown."""
    rows = await OrgMember.filter(org__apps__app_id=app_id).values_list("user_id", flat=True)
    return set(rows)


async def app_ids_developed_by(user_id: int) -> set[str]:
    """The app ids of every organisation the user is a member of."""
    rows = await MiniApp.filter(org__members__user_id=user_id).values_list("app_id", flat=True)
    return set(rows)
