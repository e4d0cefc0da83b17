"""What the transport layer is given: the settings, connections and every domain service.

The composition root (``superapp.runtime``) builds it once per process; resolvers and
routes reach it through the request context and never build services themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import redis.asyncio as aioredis
from tortoise.context import TortoiseContext

from clearing.service import ClearingService
from identity.service import IdentityService
from identity.sms import OutboxSmsGateway
from infra.kv import RedisHandle
from infra.pii import PiiCipher
from infra.pubsub import EventBroker
from infra.settings import Settings
from kyc.journey import KycService
from ledger.service import LedgerService
from miniprogram_host.service import MiniProgramHost
from miniprogram_runtime.service import MiniProgramRuntime
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
    # The bank's own mini-programs' services by app label (``lottery``), built by the composition
    # root: bff never imports a mini-program (its GraphQL imports bff), so they are kept untyped
    # here and each app's GraphQL reads its own back with its type checked.
    mini_programs: dict[str, object] = field(default_factory=dict)

    @property
    def redis(self) -> aioredis.Redis:
        return self.redis_handle.client
