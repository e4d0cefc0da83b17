"""Demo data for embedded mode, so a newcomer's first screens show something.

One user per role; the two demo customers get a funded Class II account and a bound card;
the sample mini-program (examples/hello-miniapp) is registered, uploaded, reviewed and
released; and a day of tracking events is ingested. Everything goes through the domains'
own services (money through the ledger, events through tracking's ingest), and every step
is idempotent: ``superapp seed-demo`` runs on every ``./scripts/serve`` start.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import time
from pathlib import Path

import orjson

from bff.miniprogram_runtime.bank_operations import attach as attach_bank_operations
from superapp.schema import shared_schema
from bff.services import Runtime
from identity.models import User
from identity.roles import Role
from infra.settings import Settings
from ledger import errors as ledger_errors
from ledger.service import AccountKind, EntryKind, InternalService, open_account
from miniprogram_host import lifecycle, registry
from miniprogram_host.actors import Actor
from miniprogram_host.cli import zip_directory
from superapp.demo_marketing import seed_marketing
from superapp.demo_parks import seed_parks
from superapp.runtime import running

DEMO_USERS = {
    "13800000001": [Role.CUSTOMER],
    "13800000002": [Role.CUSTOMER, Role.DEVELOPER],
    "13800000003": [Role.OPERATOR],
    "13800000004": [Role.OPERATOR, Role.REVIEWER],
    "13800000005": [Role.ADMIN],
}
CUSTOMERS = {"13800000001": "6222020000000015", "13800000002": "6222020000000023"}  # Luhn-valid test cards
OPENING_BALANCE = 5_000_00  # fen
DEVELOPER, REVIEWER = "13800000002", "13800000004"
SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "hello-miniapp"
PAYROLL = Path(__file__).resolve().parent.parent / "miniprograms" / "payroll" / "package"
LOTTERY_PACKAGE = SAMPLE.parent.parent / "miniprograms" / "lottery" / "package"
SAMPLE_ORG, SAMPLE_NAME = "Demo Partner Co", "Hello mini-program"
ETC_PACKAGE = Path(__file__).resolve().parent.parent / "miniprograms" / "etc" / "package"
ADMIN = "13800000005"
PARKS_PACKAGE = Path(__file__).resolve().parent.parent / "miniprograms" / "parks" / "package"
BANK_ORG = "本行自有小程序"  # the bank's own developers: first party (bankGraphql)
DRAIN_SECONDS = 30
LOTTERY_POOL = 100_000_00  # fen: the welfare lottery's prize pool at the bank
VERIFIED_NAMES = {"13800000001": "陈*", "13800000002": "林*"}  # as read from their ID cards, masked


async def seed(settings: Settings) -> None:
    async with running(settings) as runtime:
        attach_bank_operations(runtime, shared_schema(settings))  # first-party packages' operations are checked
        users: dict[str, User] = {}
        for phone, roles in DEMO_USERS.items():
            users[phone] = await runtime.identity.ensure_user(phone=phone, roles=roles)
            print(f"demo user {phone}: {', '.join(users[phone].roles)}")
        for phone, card in CUSTOMERS.items():
            balance = await _funded_account(runtime, users[phone])
            await _bound_card(runtime, users[phone], card)
            print(f"demo customer {phone}: Class II account holding {balance / 100:.2f} yuan, card ending {card[-4:]}")
        await _lottery_ready(runtime, users)
        app_id, version = await _released_sample(runtime, users[DEVELOPER], users[REVIEWER])
        print(f"demo mini-program {app_id} {version} released: open /static/container.html?app={app_id}")
        print(await seed_parks(runtime, operator_user=users["13800000003"], manager_user=users[DEVELOPER],
                               tenant_user=users["13800000001"]))
        parks_app, parks_version = await publish_first_party(
            runtime, package=PARKS_PACKAGE, name="智慧园区", category="life",
            description="园区找房、咨询看房、缴纳租金、报修，园区管理员回复与派单。",
            developer_user=users[DEVELOPER], reviewer_user=users[REVIEWER], admin_user=users[ADMIN])
        print(f"demo mini-program 智慧园区 {parks_app} {parks_version} released: "
              f"open /static/container.html?app={parks_app}")
        etc_app, etc_version = await publish_first_party(
            runtime, package=ETC_PACKAGE, name="悦通 ETC", category="travel",
            description="ETC 卡：通行费、停车、加油、洗车从二类账户自动扣款。",
            developer_user=users[DEVELOPER], reviewer_user=users[REVIEWER], admin_user=users[ADMIN])
        print(f"demo mini-program 悦通 ETC {etc_app} {etc_version} released: open /static/container.html?app={etc_app}")
        payroll_id, payroll_version = await publish_first_party(
            runtime, package=PAYROLL, name="薪资管家", category="finance",
            description="企业代发工资：花名册导入、工资表上传、复核审批、工资条。",
            developer_user=users[DEVELOPER], reviewer_user=users[REVIEWER], admin_user=users[ADMIN])
        print(f"first-party mini-program 薪资管家 {payroll_id} {payroll_version} released: "
              f"/static/container.html?app={payroll_id}")
        lottery_app, lottery_version = await publish_first_party(
            runtime, package=LOTTERY_PACKAGE, name="彩票兑奖", category="finance",
            description="福利彩票 500 元以下奖金在线兑付到二类账户", developer_user=users[DEVELOPER],
            reviewer_user=users[REVIEWER], admin_user=users[ADMIN],
        )
        print(f"demo lottery mini-program {lottery_app} {lottery_version} released: "
              f"open /static/container.html?app={lottery_app}")
        stored = await _a_day_of_events(runtime, app_id, version)
        print(f"demo tracking: {stored} page views of the last day")
        print(await seed_marketing(runtime, maker=users["13800000003"], checker=users[REVIEWER]))


class NotForProduction(Exception):
    """Demo funds are made from nothing: only in embedded mode or with DEBUG on."""


async def fund_test_customer(settings: Settings, phone: str) -> int:
    """A developer's own test customer gets the demo balance once (idempotent), so they can pay
    their app in development; the user is made a customer if they are not one yet."""
    if not (settings.debug or settings.uses_sqlite):
        raise NotForProduction(phone)
    async with running(settings) as runtime:
        user = await runtime.identity.ensure_user(phone=phone, roles=[Role.CUSTOMER])
        return await _funded_account(runtime, user)


async def _funded_account(runtime: Runtime, user: User) -> int:
    """The customer's Class II account, funded once from the bank's settlement account."""
    funding = await open_account(
        owner_user_id=None, kind=AccountKind.SETTLEMENT, name="Demo funding", idempotency_key="demo:funding"
    )
    account = await open_account(
        owner_user_id=user.id, kind=AccountKind.CLASS_TWO, name="Class II account",
        idempotency_key=f"demo:class-two:{user.id}",
    )
    await runtime.ledger.transfer(
        by=InternalService("demo-seed"), kind=EntryKind.DEPOSIT,
        from_account_id=funding.id, to_account_id=account.id, amount=OPENING_BALANCE,
        idempotency_key=f"demo:opening-deposit:{user.id}", memo="demo opening balance",
    )
    await account.refresh_from_db()
    return account.balance


async def _lottery_ready(runtime: Runtime, users: dict[str, User]) -> None:
    """The prize pool funded once, and the demo customers verified as account opening leaves
    them (a lottery prize goes only to a Class II account opened with identity verification)."""
    from kyc.models import KycApplication, State
    from ledger.service import class_two_account_of

    pool = await runtime.lottery.fund_prize_pool(amount=LOTTERY_POOL, idempotency_key="demo:lottery-pool")
    for phone, masked in VERIFIED_NAMES.items():
        user = users[phone]
        account = await class_two_account_of(owner_user_id=user.id)
        if account is not None and not await KycApplication.exists(user_id=user.id, state=State.OPENED):
            await KycApplication.create(user_id=user.id, state=State.OPENED, name_masked=masked, account_id=account.id)
    print(f"demo lottery: prize pool holding {pool / 100:.2f} yuan; demo tickets are printed when the server starts")


async def _bound_card(runtime: Runtime, user: User, card: str) -> None:
    try:
        await runtime.ledger.bind_card(owner_user_id=user.id, card_number=card, name="Demo debit card")
    except ledger_errors.CardAlreadyBound:
        pass  # bound by an earlier run


def _actor(user: User) -> Actor:
    return Actor(user_id=user.id, roles=frozenset(Role(r) for r in user.roles))


async def _released_sample(runtime: Runtime, developer_user: User, reviewer_user: User) -> tuple[str, str]:
    """The sample app taken as far as released, from whatever step an earlier run reached."""
    developer = _actor(developer_user)
    app = await _sample_app(developer)
    return await _released(runtime, app, SAMPLE, developer_user, reviewer_user)


async def publish_first_party(
    runtime: Runtime, *, package: Path, name: str, category: str, description: str,
    developer_user: User, reviewer_user: User, admin_user: User,
) -> tuple[str, str]:
    """One of the bank's own mini-programs (``miniprograms/<app>/package``), registered in the
    bank's first-party organisation and taken through upload, validation, signing, review and
    release like any partner's. Idempotent; returns (appId, version)."""
    developer, admin = _actor(developer_user), _actor(admin_user)
    orgs = [o for o in await registry.orgs_of(user_id=developer.user_id) if o.name == BANK_ORG]
    org = orgs[0] if orgs else await registry.create_org(actor=developer, name=BANK_ORG)
    if not org.first_party:
        await registry.set_first_party(actor=admin, org_id=org.id, first_party=True)
    app = None
    for app_id in sorted(await registry.app_ids_developed_by(developer.user_id)):
        found = await registry.app_for_developer(actor=developer, app_id=app_id)
        if found.name == name and found.org_id == org.id:
            app = found
    if app is None:
        app, _secret = await registry.register_app(
            actor=developer, org_id=org.id, name=name, category=category, description=description,
        )
    return await _released(runtime, app, package, developer_user, reviewer_user)


async def _released(runtime: Runtime, app, package: Path, developer_user: User,
                    reviewer_user: User) -> tuple[str, str]:
    """The package's version of the app taken as far as released, from whatever step an
    earlier run reached."""
    developer, reviewer = _actor(developer_user), _actor(reviewer_user)
    version = json.loads((package / "manifest.json").read_text())["version"]
    states = {v.version: v.state for v in await lifecycle.versions_of(app)}
    if version not in states:
        await runtime.miniprograms.upload(app=app, archive=package_for(app.app_id, package), actor=developer)
        states[version] = lifecycle.UPLOADED
    if states[version] == lifecycle.UPLOADED:
        states[version] = (await lifecycle.submit(actor=developer, app_id=app.app_id, version=version)).state
    if states[version] == lifecycle.SUBMITTED:
        note = "demo data: checked by the seed"
        states[version] = (await lifecycle.approve(actor=reviewer, app_id=app.app_id, version=version, note=note)).state
    if states[version] == lifecycle.APPROVED:
        await lifecycle.release(
            actor=developer, app_id=app.app_id, version=version, refresh=runtime.miniprograms.releases.refresh
        )
    return app.app_id, version


async def _sample_app(developer: Actor):
    for app_id in sorted(await registry.app_ids_developed_by(developer.user_id)):
        app = await registry.app_for_developer(actor=developer, app_id=app_id)
        if app.name == SAMPLE_NAME:
            return app
    orgs = [o for o in await registry.orgs_of(user_id=developer.user_id) if o.name == SAMPLE_ORG]
    org = orgs[0] if orgs else await registry.create_org(actor=developer, name=SAMPLE_ORG)
    app, _secret = await registry.register_app(
        actor=developer, org_id=org.id, name=SAMPLE_NAME, category="life",
        description="The sample mini-program from examples/hello-miniapp.",
    )
    return app


def package_for(app_id: str, package: Path) -> bytes:
    """A package folder zipped with its manifest naming this app."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / package.name
        shutil.copytree(package, root)
        manifest = json.loads((root / "manifest.json").read_text())
        (root / "manifest.json").write_text(json.dumps({**manifest, "appId": app_id}, indent=2))
        return zip_directory(root)


def _page_views(app_id: str, version: str, now_ms: int) -> list[dict]:
    """Page views over the 24 hours before now: the app's page and the home screen, from a
    few devices. Ids are fixed, so a later run's copies are dropped as duplicates."""
    events = []
    for hour in range(24):
        for device in range(1 + hour % 4):
            at = now_ms - (24 - hour) * 3_600_000 + device * 60_000
            in_app = {"miniProgram": {"appId": app_id, "version": version}, "platform": "h5"}
            for n, (page, context) in enumerate((("/home", {"platform": "h5"}), ("pages/index.html", in_app))):
                events.append({
                    "eventId": f"demo-pv-{hour:02d}-{device}-{n}", "type": "page", "page": page,
                    "anonymousId": f"demo-device-{device:02d}", "createdAt": at, "sentAt": now_ms, "context": context,
                })
    return events


async def _a_day_of_events(runtime: Runtime, app_id: str, version: str) -> int:
    """Ingested as any client's batch; in embedded mode, waits until the worker stored them."""
    now_ms = int(time.time() * 1000)
    events = _page_views(app_id, version, now_ms)
    outcome = await runtime.tracking.accept_batch(
        body=orjson.dumps({"sentAt": now_ms, "batch": events}), content_encoding="", client_ip="127.0.0.1",
        signed_in_user=None,  # anonymous page views: no user is named, none is vouched for
    )
    if outcome.rejections:
        raise RuntimeError(f"demo events rejected: {[r.as_json() for r in outcome.rejections]}")
    config = runtime.tracking.config
    if config.worker_in_app:
        # The stream holds exactly what is not stored yet (the worker deletes after commit).
        for _ in range(DRAIN_SECONDS * 20):
            if not any([await runtime.redis.xlen(config.on_shard(shard).stream) for shard in range(config.shards)]):
                break
            await asyncio.sleep(0.05)
        else:
            print("demo tracking: events are still being stored; they show up once the server runs")
    return len(events)
