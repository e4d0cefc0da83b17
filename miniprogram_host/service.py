"""The host as the rest of the app sees it: built once per process in the runtime.

This is the host's public module: other domains import only from here (the functions and
the frozen values, errors and caches they return), never the host's models or other modules.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import redis.asyncio as aioredis
from tortoise.exceptions import IntegrityError

from miniprogram_host.actors import Actor, audit
from miniprogram_host.config import HostConfig
from miniprogram_host.directory import (
    bank_app_id,
    AppProfile, VersionDeclaration, app_exists, app_hmac_key, app_profile, developed_app, record_app_change,
    released_scopes, verify_app_secret, version_declaration,
)
from infra.i18n import Text
from miniprogram_host.grid import GridApp, grid_for
from miniprogram_host.errors import BadCredentials, HostError, InvalidPackage, NotFound, NotPermitted, PackageProblem
from miniprogram_host.lifecycle import UPLOADED
from miniprogram_host.models import AppVersion, MiniApp
from miniprogram_host.packages import CheckedPackage, check_package, dev_domains_of, is_dev_origin
from miniprogram_host.registry import app_ids_developed_by, developer_user_ids_for_app
from miniprogram_host.resolution import ReleaseCache, Resolution, Resolved, Unavailable, UpgradeRequired, preview
from miniprogram_host.segments import SegmentDirectory
from miniprogram_host.semver import version_key
from miniprogram_host.signing import SigningKeys
from miniprogram_host.storage import BlobStore
from infra.settings import Settings

__all__ = [
    "Actor", "AppProfile", "GridApp", "BadCredentials", "BlobStore", "HostError", "MiniProgramHost", "NotFound", "NotPermitted",
    "ReleaseCache", "Resolution", "Resolved", "SegmentDirectory", "Unavailable", "UpgradeRequired", "VersionDeclaration",
    "preview", "bank_app_id",
    "app_exists", "app_hmac_key", "app_ids_developed_by", "app_profile", "developed_app",
    "developer_user_ids_for_app", "record_app_change", "released_scopes", "verify_app_secret", "version_declaration",
    "OperationCheck", "BANK_JSAPI",
]

# The first-party JSAPI: runs a GraphQL operation the version declared, as the customer.
BANK_JSAPI = "bankGraphql"
MAX_OPERATION_FILES = 8
MAX_OPERATIONS_BYTES = 64 * 1024
# Checks one document of bank operations against the schema: (operation names, problems).
# The transport supplies it (the host knows no GraphQL); without one no app may declare any.
OperationCheck = Callable[[str], tuple[list[str], list[str]]]


@dataclass
class MiniProgramHost:
    config: HostConfig
    store: BlobStore
    keys: SigningKeys
    releases: ReleaseCache
    operation_check: OperationCheck | None = None

    @classmethod
    def build(cls, settings: Settings, redis: aioredis.Redis, operation_check: OperationCheck | None = None,
              segments: SegmentDirectory | None = None) -> MiniProgramHost:
        """``segments``: who is in which audience segment, for gray releases by segment."""
        config = HostConfig.from_settings(settings)
        return cls(
            config=config,
            store=BlobStore(settings.data_dir / "miniprogram"),
            keys=SigningKeys.from_config(config.signing_keys, settings.data_dir),
            releases=ReleaseCache(redis, ttl_seconds=config.resolution_cache_seconds, segments=segments),
            operation_check=operation_check,
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
        for origin in sorted({o for o in dev_domains_of(manifest) if is_dev_origin(o)} - set(app.dev_domains)):
            checked.fail("DOMAIN_NOT_WHITELISTED",
                         Text("miniprogram_host.domain_not_whitelisted", host=origin, kind="development"),
                         "manifest.devDomains")
        operations = await self._bank_operations(app, manifest, checked)
        if manifest.get("bankMedia") and not (await app.org).first_party:
            checked.fail("FIRST_PARTY_ONLY", Text("miniprogram_host.bank_media_first_party"), "manifest.bankMedia")
        if manifest.get("bankApp") and not (await app.org).first_party:
            checked.fail("FIRST_PARTY_ONLY", Text("miniprogram_host.bank_app_first_party"), "manifest.bankApp")
        version = manifest["version"] if isinstance(manifest.get("version"), str) else ""  # checked above
        if checked.ok:
            existing = [str(v) for v in await AppVersion.filter(app=app).values_list("version", flat=True)]
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
                min_client_version=manifest["minClientVersion"], operations=operations,
            )
        except IntegrityError:  # the same version uploaded twice at once
            exists = Text("miniprogram_host.version_exists", version=version)
            raise InvalidPackage([PackageProblem("VERSION_EXISTS", exists, "manifest.version")]) from None
        await audit(app, actor, "uploaded", version=version, digest=digest, size=len(archive))
        return created

    async def _bank_operations(self, app: MiniApp, manifest: dict[str, object],
                               checked: CheckedPackage) -> dict[str, str]:
        """The first-party operations the manifest declares, by name, each with its document.

        Only the bank's own organisations may declare them or the JSAPI that runs them; each
        listed file must be in the package and pass the schema's check.
        """
        files = manifest.get("bankOperations", [])
        declared = manifest.get("jsapis")
        jsapis = declared if isinstance(declared, list) else []
        if not files and BANK_JSAPI not in jsapis:
            return {}
        org = await app.org
        if not org.first_party:
            checked.fail("FIRST_PARTY_ONLY", Text("miniprogram_host.first_party_only", api=BANK_JSAPI),
                         "manifest.bankOperations" if files else "manifest.jsapis")
            return {}
        if (not isinstance(files, list) or not 1 <= len(files) <= MAX_OPERATION_FILES
                or not all(isinstance(f, str) and f.endswith(".graphql") for f in files)):
            checked.fail("MANIFEST_FIELD_INVALID",
                         Text("miniprogram_host.bank_operations_list", max=MAX_OPERATION_FILES),
                         "manifest.bankOperations")
            return {}
        operations: dict[str, str] = {}
        total = 0
        for path in files:
            raw = checked.files.get(path)
            if raw is None:
                checked.fail("BANK_OPERATION_INVALID", Text("miniprogram_host.bank_operations_missing", file=path), path)
                continue
            total += len(raw)
            try:
                document = raw.decode("utf-8")
            except UnicodeDecodeError:
                checked.fail("BANK_OPERATION_INVALID", Text("miniprogram_host.bank_operations_not_utf8", file=path), path)
                continue
            if total > MAX_OPERATIONS_BYTES:
                checked.fail("BANK_OPERATION_INVALID",
                             Text("miniprogram_host.bank_operations_too_large", limit=MAX_OPERATIONS_BYTES), path)
                break
            if self.operation_check is None:
                checked.fail("BANK_OPERATION_INVALID", Text("miniprogram_host.bank_operations_unchecked"), path)
                break
            names, problems = self.operation_check(document)
            for problem in problems:
                checked.fail("BANK_OPERATION_INVALID",
                             Text("miniprogram_host.bank_operation_invalid", file=path, problem=problem), path)
            for name in names:
                if name in operations:
                    checked.fail("BANK_OPERATION_INVALID",
                                 Text("miniprogram_host.bank_operation_twice", name=name), path)
                operations[name] = document
        return operations
