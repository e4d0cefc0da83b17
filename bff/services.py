"""What the transport layer is given: the settings, connections and every domain service.

The composition root (``superapp.runtime``) builds it once per process; resolvers and
routes reach it through the request context and never build services themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import redis.asyncio as aioredis
from tortoise.context import TortoiseContext

from clearing.service import ClearingService
from content.service import ContentService
from identity.service import IdentityService
from identity.sms import OutboxSmsGateway
from infra.kv import RedisHandle
from infra.pii import PiiCipher
from infra.pubsub import EventBroker
from infra.settings import Settings
from kyc.journey import KycService
from ledger.service import LedgerService
from marketing.service import MarketingService
from miniprogram_host.service import MiniProgramHost
from miniprogram_runtime.service import MiniProgramRuntime
from monitoring.service import MonitoringService
from openplatform.service import OpenPlatform
from tracking.service import TrackingService


@dataclass
class Runtime:
    settings: Settings
    database: TortoiseContext
    redis_handle: RedisHandle
    cipher: PiiCipher
    broker: EventBroker
    identity: IdentityService
    sms: OutboxSmsGateway
    miniprograms: MiniProgramHost
    ledger: LedgerService
    tracking: TrackingService
    openplatform: OpenPlatform
    miniprogram_runtime: MiniProgramRuntime
    kyc: KycService
    clearing: ClearingService
    content: ContentService
    marketing: MarketingService
    monitoring: MonitoringService

    @property
    def redis(self) -> aioredis.Redis:
        return self.redis_handle.client


S = TypeVar("S")


def app_service(runtime: object, name: str, kind: type[S]) -> S:
    """A first-party mini-program's service, which the composition root puts on the runtime as
    ``runtime.<name>`` (``superapp.runtime.AppRuntime``): bff never imports a mini-program, so
    each app's GraphQL asks for its own by name and type."""
    found = getattr(runtime, name, None)
    if not isinstance(found, kind):
        raise TypeError(f"the composition root put no {kind.__name__} at runtime.{name}")
    return found
