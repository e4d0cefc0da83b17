"""The host as the rest of the app sees it: built once per process in the runtime.

This is the host's public module: other domains import only from here (the functions and
the frozen values, errors and caches they return), never the host's models or other modules.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import redis.asyncio as aioredis
from tortoise.exceptions import IntegrityError

from miniprogram_host.actors import Actor, audit
from miniprogram_host.config import HostConfig
from miniprogram_host.directory import (
    AppProfile, VersionDeclaration, app_exists, app_hmac_key, app_profile, developed_app, record_app_change,
    released_scopes, verify_app_secret, version_declaration,
)
from infra.i18n import Text
from miniprogram_host.grid import GridApp, grid_for
from miniprogram_host.errors import BadCredentials, HostError, InvalidPackage, NotFound, NotPermitted, PackageProblem
from miniprogram_host.lifecycle import UPLOADED
from miniprogram_host.models import AppVersion, MiniApp
from miniprogram_host.packages import check_package
from miniprogram_host.registry import app_ids_developed_by, developer_user_ids_for_app
from miniprogram_host.resolution import ReleaseCache, Resolution, Resolved, Unavailable, UpgradeRequired
from miniprogram_host.segments import SegmentDirectory
from miniprogram_host.semver import version_key
from miniprogram_host.signing import SigningKeys
from miniprogram_host.storage import BlobStore
from infra.settings import Settings

__all__ = [
    "Actor", "AppProfile", "GridApp", "BadCredentials", "BlobStore", "HostError", "MiniProgramHost", "NotFound", "NotPermitted",
    "ReleaseCache", "Resolution", "Resolved", "SegmentDirectory", "Unavailable", "UpgradeRequired", "VersionDeclaration",
    "app_exists", "app_hmac_key", "app_ids_developed_by", "app_profile", "developed_app",
    "developer_user_ids_for_app", "record_app_change", "released_scopes", "verify_app_secret", "version_declaration",
]


@dataclass
class MiniProgramHost:
    config: HostConfig
    store: BlobStore
    keys: SigningKeys
    releases: ReleaseCache

    @classmethod
    def build(cls, settings: Settings, redis: aioredis.Redis,
              segments: SegmentDirectory | None = None) -> MiniProgramHost:
        """``segments``: who is in which audience segment, for gray releases by segment."""
        config = HostConfig.from_settings(settings)
        return cls(
            config=config,
            store=BlobStore(settings.data_dir / "miniprogram"),
            keys=SigningKeys.from_config(config.signing_keys, settings.data_dir),
            releases=ReleaseCache(redis, ttl_seconds=config.resolution_cache_seconds, segments=segments),
        )

    async def grid(self, *, user_id: int, platform: str, client_version: str, limit: int = 24) -> list[GridApp]:
        """The released apps this user gets on this client, in the home's grid (semver ``client_version``)."""
        return await grid_for(user_id=user_id, platform=platform, client_version=client_version,
                              segments=self.releases.segments, limit=limit)

    async def upload(self, *, app: MiniApp, archive: bytes, actor: Actor) -> AppVersion:
        """Validate, store by digest, sign. Raises InvalidPackage listing every problem."""
        # Inflating up to the caps takes a while: keep it off the event loop.
        checked = await asyncio.to_thread(check_package, archive, self.config.limits)
        manifest = checked.manifest or {}
        if manifest.get("appId") not in (None, app.app_id):
            mismatch = Text("miniprogram_host.app_id_mismatch", manifest_app_id=manifest.get("appId"), app_id=app.app_id)
            checked.fail("APP_ID_MISMATCH", mismatch, "manifest.appId")
        for kind, hosts in (manifest.get("domains") or {}).items() if isinstance(manifest.get("domains"), dict) else ():
            allowed = set(app.domains.get(kind, []))
            for host in hosts if isinstance(hosts, list) else ():
                if isinstance(host, str) and host not in allowed:
                    checked.fail("DOMAIN_NOT_WHITELISTED", Text("miniprogram_host.domain_not_whitelisted", host=host, kind=kind),
                                 f"manifest.domains.{kind}")
        version = manifest.get("version")
        if checked.ok:
            existing = await AppVersion.filter(app=app).values_list("version", flat=True)
            if version in existing:
                checked.fail("VERSION_EXISTS", Text("miniprogram_host.version_exists", version=version), "manifest.version")
            elif existing and version_key(version) <= max(version_key(v) for v in existing):
                checked.fail("VERSION_NOT_NEWER", Text("miniprogram_host.version_not_newer"), "manifest.version")
        if not checked.ok:
            raise InvalidPackage(checked.problems)
        digest = await asyncio.to_thread(self.store.put, archive, ".zip")
        signature = self.keys.sign(app_id=app.app_id, version=version, digest=digest)
        try:
            created = await AppVersion.create(
                app=app, version=version, digest=digest, size=len(archive), manifest=manifest,
                signature=signature.signature, key_id=signature.key_id, state=UPLOADED,
                min_client_version=manifest["minClientVersion"],
            )
        except IntegrityError:  # the same version uploaded twice at once
            exists = Text("miniprogram_host.version_exists", version=version)
            raise InvalidPackage([PackageProblem("VERSION_EXISTS", exists, "manifest.version")]) from None
        await audit(app, actor, "uploaded", version=version, digest=digest, size=len(archive))
        return created
