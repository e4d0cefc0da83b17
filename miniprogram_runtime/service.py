"""The runtime as the rest of the app sees it: built once per process in ``superapp.runtime``."""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import AsyncIterator

import redis.asyncio as aioredis
from tortoise.context import TortoiseContext

from clearing.service import ClearingService
from identity.service import IdentityService
from infra.i18n import Text
from ledger.service import LedgerService
from openplatform.service import OpenPlatform
from tracking.service import TrackingService
from miniprogram_host.service import BlobStore, MiniProgramHost, released_scopes
from miniprogram_runtime.audit import BridgeAudit
from miniprogram_runtime.bridge import Bridge
from miniprogram_runtime.config import BridgeConfig
from miniprogram_runtime.consent import Consent, ConsentBook
from miniprogram_runtime.context import Services
from miniprogram_runtime.handlers import images
from infra.settings import Settings


class ConsentRefused(Exception):
    """A grant that cannot be given: unknown app, or a scope its released versions do not declare."""

    def __init__(self, message: Text, *, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class MiniProgramRuntime:
    config: BridgeConfig
    bridge: Bridge
    consents: ConsentBook

    @classmethod
    def build(cls, settings: Settings, *, redis: aioredis.Redis, host: MiniProgramHost, identity: IdentityService,
              ledger: LedgerService, openplatform: OpenPlatform | None = None,
              tracking: TrackingService | None = None, clearing: ClearingService | None = None) -> MiniProgramRuntime:
        config = BridgeConfig.from_settings(settings)
        consents = ConsentBook(redis, cache_seconds=config.consent_cache_seconds)
        services = Services(
            config=config, identity=identity, ledger=ledger, openplatform=openplatform, tracking=tracking,
            clearing=clearing,
            images=BlobStore(settings.data_dir / "miniprogram_runtime" / "images"),
        )
        audit = BridgeAudit(flush_seconds=config.audit_flush_seconds, batch=config.audit_batch)
        bridge = Bridge(redis=redis, releases=host.releases, consents=consents, audit=audit, services=services)
        return cls(config=config, bridge=bridge, consents=consents)

    @asynccontextmanager
    async def running(self, database: TortoiseContext) -> AsyncIterator[MiniProgramRuntime]:
        async with self.bridge.audit.writing(database):
            yield self

    async def chosen_image(self, *, app_id: str, user_id: int, file: object) -> tuple[bytes, str] | None:
        """An image this user chose for this app in the container (``fileId`` as chooseImage
        answered it): its cleaned bytes and format ("jpeg", "png", "webp", "gif"); None for
        another user's or app's, or an unknown id."""
        return await images.chosen_image(app_id=app_id, user_id=user_id, file=file, images=self.bridge.services.images)

    async def grant(self, *, user_id: int, app_id: str, scope: str) -> Consent:
        """Record the user's consent to a scope the app's released version declares."""
        scopes = await released_scopes(app_id)
        if scopes is None:
            raise ConsentRefused(Text("miniprogram_runtime.no_such_app", app_id=app_id), code="UNKNOWN_APP")
        if scope not in scopes:
            raise ConsentRefused(Text("miniprogram_runtime.app_lacks_scope", app_id=app_id, scope=scope),
                                 code="SCOPE_NOT_DECLARED")
        return await self.consents.grant(app_id=app_id, user_id=user_id, scope=scope)

    async def revoke(self, *, user_id: int, app_id: str, scope: str) -> bool:
        return await self.consents.revoke(app_id=app_id, user_id=user_id, scope=scope)

