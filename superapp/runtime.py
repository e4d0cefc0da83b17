"""The composition root: builds every domain service from the settings, once per process.

``running(settings)`` opens the database and Redis, wires the services into a
``bff.services.Runtime`` and closes everything on exit. It is the app's lifespan.
"""

from __future__ import annotations

from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import AsyncIterator

from audit import service as audit_log
from bff.services import Runtime
from clearing.service import ClearingService
from content.service import ContentConfig, ContentService
from identity.service import IdentityService, LoginPolicy
from identity.sms import OutboxSmsGateway
from identity.tokens import AccessTokens
from kyc.config import KycConfig
from kyc.journey import KycService
from kyc.service import verified_masked_name
from ledger.config import LedgerSettings
from ledger.service import LedgerService, People
from marketing.service import MarketingService
from miniprogram_host.service import MiniProgramHost
from miniprogram_runtime.service import MiniProgramRuntime
from miniprograms.etc.service import EtcService
from miniprograms.lottery.service import LotteryService
from miniprograms.parks.service import ParksService
from miniprograms.payroll.service import PayrollService, PayrollSettings
from monitoring.service import MonitoringService
from openplatform.service import OpenPlatform, announce_inbox, announce_inbox_over, tell_customer, tell_customers
from infra import db
from infra.kv import open_redis, open_redis_at
from infra.pii import PiiCipher
from infra.pubsub import EventBroker
from infra.settings import Settings
from tracking.config import TrackingConfig
from tracking.service import TrackingService
from tracking.worker import worker_in_background


@dataclass
class AppRuntime(Runtime):
    """The transport's ``Runtime`` plus the bank's own mini-programs' services: bff may not
    import a mini-program, so they are added here, and their GraphQL reaches them by name."""

    parks: ParksService
    etc: EtcService
    payroll: PayrollService
    lottery: LotteryService


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[AppRuntime]:
    """Open the database and Redis, build the services; close everything on exit."""
    database = await db.open_database(settings)
    try:
        redis_handle = await open_redis(settings)
    except BaseException:  # a Redis refused at start (infra.redis_durability) must not leak the database
        await db.close_database(database)
        raise
    cipher = PiiCipher.from_settings(settings)
    audit_log.configure(str(settings.secret_key))
    broker = EventBroker(redis_handle.client, prefix=settings.channel_prefix)
    announce_inbox_over(broker)
    sms = OutboxSmsGateway(cipher, echo=settings.embedded_redis)
    # Transaction monitoring: asked by identity at every sign-in and by the ledger before every movement.
    monitoring = MonitoringService(redis=redis_handle.client)
    identity = identity_service(settings, redis_handle.client, cipher, sms, broker, monitoring)
    tracking_config = TrackingConfig.from_settings(settings)
    tracking_redis = redis_handle.client
    if tracking_config.redis_url is not None:  # its own Redis or Redis Cluster: the stream and its keys only
        try:
            tracking_redis = await open_redis_at(tracking_config.redis_url, settings)
        except BaseException:
            await redis_handle.close()
            await db.close_database(database)
            raise
    tracking = TrackingService(redis=tracking_redis, cipher=cipher, config=tracking_config)
    # Payees by phone, their verified names and the inbox: known to other domains, lent to the ledger.
    people = People(user_for_phone=identity.user_id_for_phone, verified_name=verified_masked_name, tell=tell_customer)
    ledger = ledger_service(settings, cipher, redis_handle.client, people, monitoring)
    clearing = ClearingService.build(settings, ledger=ledger, redis=redis_handle.client, broker=broker)
    marketing = MarketingService(redis=redis_handle.client, cipher=cipher, ledger=ledger, tell=tell_customer)
    host = MiniProgramHost.build(settings, redis_handle.client, segments=marketing.segment_lookup())
    openplatform = OpenPlatform.build(settings, redis_handle.client, ledger)
    payroll = payroll_service(settings, ledger, cipher, identity.user_id_for_phone, sms.send)
    lottery = LotteryService.build(settings, redis=redis_handle.client, ledger_service=ledger, tell=tell_customer)
    runtime = AppRuntime(
        settings, database, redis_handle, cipher, broker, identity, sms,
        miniprograms=host,
        ledger=ledger,
        tracking=tracking,
        openplatform=openplatform,
        miniprogram_runtime=MiniProgramRuntime.build(
            settings, redis=redis_handle.client, host=host, identity=identity, ledger=ledger,
            openplatform=openplatform, tracking=tracking, clearing=clearing,
        ),
        kyc=KycService(config=KycConfig.from_settings(settings), cipher=cipher, redis=redis_handle.client),
        clearing=clearing,
        content=ContentService(config=ContentConfig.from_settings(settings), redis=redis_handle.client,
                               broker=broker, tracking=tracking, segments=marketing.segment_lookup()),
        marketing=marketing,
        monitoring=monitoring,
        parks=ParksService(ledger=ledger, tell=tell_customer),
        etc=EtcService.build(settings.config(), ledger_service=ledger, tell=tell_customer),
        payroll=payroll,
        lottery=lottery,
    )
    try:
        async with AsyncExitStack() as background:
            await background.enter_async_context(runtime.miniprogram_runtime.running(database))
            await background.enter_async_context(marketing.running(database))
            if tracking_config.worker_in_app:
                await background.enter_async_context(
                    worker_in_background(redis=tracking_redis, config=tracking_config)
                )
            if clearing.config.worker_in_app:
                await background.enter_async_context(clearing.running())
            if runtime.content.config.consumer_in_app:
                await background.enter_async_context(runtime.content.running())
            if payroll.settings.worker_in_app:
                await background.enter_async_context(payroll.running())
            await background.enter_async_context(lottery.sweeping())
            yield runtime
    finally:
        runtime.kyc.close()
        await runtime.identity.aclose()
        await runtime.content.close()
        await lottery.close()
        await clearing.close()
        await broker.close()
        await monitoring.aclose()
        if tracking_redis is not redis_handle.client:
            await tracking_redis.aclose()
        await redis_handle.close()
        if database is not None:
            await db.close_database(database)


def identity_service(settings: Settings, redis, cipher: PiiCipher, sms, broker: EventBroker,
                     monitoring: MonitoringService | None = None) -> IdentityService:
    return IdentityService(
        redis=redis,
        cipher=cipher,
        sms=sms,
        tokens=AccessTokens(str(settings.secret_key), ttl_seconds=settings.access_token_seconds),
        policy=LoginPolicy(
            code_seconds=settings.login_code_seconds,
            max_attempts=settings.login_code_max_attempts,
            resend_seconds=settings.login_code_resend_seconds,
            per_phone_per_hour=settings.login_codes_per_phone_per_hour,
            per_ip_per_hour=settings.login_codes_per_ip_per_hour,
            refresh_seconds=settings.refresh_token_seconds,
        ),
        code_secret=str(settings.secret_key),
        broker=broker,
        screen=monitoring,
    )


def payroll_service(settings: Settings, ledger: LedgerService, cipher: PiiCipher, user_for_phone, sms) -> PayrollService:
    return PayrollService(ledger_service=ledger, cipher=cipher, settings=PayrollSettings.from_settings(settings),
                          user_for_phone=user_for_phone, tell=tell_customer, tell_many=tell_customers,
                          announce=announce_inbox, sms=sms)


def ledger_service(settings: Settings, cipher: PiiCipher, redis, people: People | None,
                   monitoring: MonitoringService) -> LedgerService:
    """The ledger, screened by transaction monitoring, which settles the movements it holds
    through this ledger (the caller closes ``monitoring`` with its Redis)."""
    ledger = LedgerService(settings=LedgerSettings.from_config(settings.config()), cipher=cipher, redis=redis,
                           people=people, screen=monitoring)
    monitoring.settle_through(ledger)
    return ledger


@asynccontextmanager
async def money_services(
    settings: Settings, *, open_database: bool = True
) -> AsyncIterator[tuple[LedgerService, ClearingService]]:
    """Only the ledger and the clearing domain, for the commands that need nothing else
    (``superapp worker clearing``, ``superapp ledger reconcile``); ``open_database=False``
    when the caller has opened it (a worker process)."""
    database = await db.open_database(settings) if open_database else None
    redis_handle = await open_redis(settings)
    broker = EventBroker(redis_handle.client, prefix=settings.channel_prefix)
    announce_inbox_over(broker)
    audit_log.configure(str(settings.secret_key))
    people = People(tell=tell_customer)  # inbound credits tell the payee; nothing here looks payees up
    monitoring = MonitoringService(redis=redis_handle.client)
    ledger = ledger_service(settings, PiiCipher.from_settings(settings), redis_handle.client, people, monitoring)
    EtcService.build(settings.config(), ledger_service=ledger, tell=tell_customer)  # top-ups repay ETC debts here too
    clearing = ClearingService.build(settings, ledger=ledger, redis=redis_handle.client, broker=broker)
    try:
        yield ledger, clearing
    finally:
        await clearing.close()
        await broker.close()
        await monitoring.aclose()
        await redis_handle.close()
        if database is not None:
            await db.close_database(database)


@asynccontextmanager
async def payroll_services(settings: Settings, *, open_database: bool = True) -> AsyncIterator[PayrollService]:
    """Payroll with the ledger and identity it needs, for ``superapp worker payroll`` and the bench."""
    database = await db.open_database(settings) if open_database else None
    redis_handle = await open_redis(settings)
    cipher = PiiCipher.from_settings(settings)
    broker = EventBroker(redis_handle.client, prefix=settings.channel_prefix)
    announce_inbox_over(broker)  # payslips and invitations reach subscribers on every server
    sms = OutboxSmsGateway(cipher)
    identity = identity_service(settings, redis_handle.client, cipher, sms, broker)
    monitoring = MonitoringService(redis=redis_handle.client)
    ledger = ledger_service(settings, cipher, redis_handle.client, People(tell=tell_customer), monitoring)
    try:
        yield payroll_service(settings, ledger, cipher, identity.user_id_for_phone, sms.send)
    finally:
        await broker.close()
        await monitoring.aclose()
        await redis_handle.close()
        if database is not None:
            await db.close_database(database)
