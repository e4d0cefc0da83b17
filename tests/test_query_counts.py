"""Each screen's GraphQL query issues a fixed number of SQL statements, however many rows it shows.

Statements are counted on the real PostgreSQL connections: every pool connection the app
opens is an asyncpg ``Connection`` subclass that installs a query logger (asyncpg's own
hook), and each logged statement is charged to the request whose task sent it (the pool
sends no reset query on release: ``infra.db.PooledConnection``). Each screen is measured with 1 row and
with 20: the same exact number both times, so an N+1 cannot creep back.
"""

from __future__ import annotations

import asyncio
import contextvars

import pytest

from infra import db

from identity.roles import Role
from ledger.service import AccountKind, open_account
from tests.ledger.support import DEPOSITS, funded_account
from tests.miniprogram_host.helpers import (
    CREATE_ORG, REGISTER, SUBMIT, DeveloperApp, developer_app, package, released, upload,
)

_statements: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("statements", default=None)


class CountedConnection(db.PooledConnection):
    """A pool connection that reports what it sends to the request that sent it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_query_logger(self._charge)

    def _charge(self, record) -> None:
        # asyncpg calls loggers soon after the statement, in a copy of the sender's context.
        charged = _statements.get()
        if charged is not None:
            charged.append(record.query)


@pytest.fixture
def count_statements(monkeypatch):
    """``statements = await count_statements(gql(...))``: the SQL run while answering it."""
    monkeypatch.setattr(db, "PooledConnection", CountedConnection)  # read when the app opens its database

    async def count(request) -> list[str]:
        charged: list[str] = []
        token = _statements.set(charged)
        try:
            answer = await request
        finally:
            _statements.reset(token)
        assert "errors" not in answer, answer
        await asyncio.sleep(0)  # the last statement's logger runs on the next turn of the loop
        return charged

    return count


ACCOUNTS = """{ accounts { id kind name currency balance status maskedCardNumber createdAt
  availableLimits { perTransaction dailyRemaining yearlyRemaining } } }"""
TRANSACTIONS = """query($id: ID!) { transactions(accountId: $id, first: 20) {
  edges { cursor node { id entryId kind memo amount balanceAfter createdAt reversesEntryId } }
  pageInfo { hasNextPage endCursor } } }"""
MINI_APP = """query($app: String!) { miniApp(appId: $app) { __typename ... on MiniApp {
  appId name category icons { size url } domains { request }
  versions { version state digest size jsapis scopes { scope reason } review { decision note reasons { item reason } }
             uploadedAt submittedAt releasedAt }
  release { liveVersion offline gray { version percent } rollbackTargets }
  audit(limit: 20) { actor action version detail at } } } }"""
DEVELOPER_CONSOLE = """{ myDeveloperOrgs { id name apps { appId name offline
  release { liveVersion } versions { version state } audit(limit: 5) { actor action version at } } } }"""
REVIEW_QUEUE = """{ miniAppReviewQueue { appId version state digest jsapis scopes { scope reason } submittedAt } }"""


async def test_the_accounts_screen(count_statements, sign_in_with):
    gql, runtime = await sign_in_with()
    alice = await sign_in_with.sign_in("13900000001")
    await funded_account(runtime, alice.user_id, 100_00)

    one = await count_statements(gql(ACCOUNTS, token=alice.access_token))
    for n in range(19):
        await open_account(owner_user_id=alice.user_id, kind=AccountKind.CLASS_TWO, name=f"savings {n}")
    twenty = await count_statements(gql(ACCOUNTS, token=alice.access_token))

    # the accounts; the Class II allowances (one grouped query per window: today, this year)
    assert (len(one), len(twenty)) == (3, 3), twenty


async def test_a_page_of_transactions(count_statements, sign_in_with):
    gql, runtime = await sign_in_with()
    alice = await sign_in_with.sign_in("13900000001")
    wallet = await funded_account(runtime, alice.user_id, 1_00)
    page = {"id": str(wallet.id)}

    one = await count_statements(gql(TRANSACTIONS, page, token=alice.access_token))
    settlement = await open_account(owner_user_id=None, kind=AccountKind.SETTLEMENT, name="settlement",
                                    idempotency_key="test-settlement")
    for n in range(19):
        await runtime.ledger.transfer(by=DEPOSITS, from_account_id=settlement.id, to_account_id=wallet.id,
                                      amount=1_00, idempotency_key=f"more-{n}", kind="deposit")
    twenty = await count_statements(gql(TRANSACTIONS, page, token=alice.access_token))

    # the account is theirs; its postings with their entries (one joined query)
    assert (len(one), len(twenty)) == (2, 2), twenty


async def test_a_mini_app_with_its_versions(count_statements, sign_in_with):
    gql, _ = await sign_in_with()
    client = gql.http
    reviewer = await sign_in_with.sign_in("13900000909", Role.REVIEWER)
    app = await developer_app(gql, sign_in_with.sign_in)
    await released(gql, client, sign_in_with.sign_in, app, "1.0.0", reviewer)
    view = {"app": app.app_id}

    one = await count_statements(gql(MINI_APP, view, token=app.developer.access_token))
    await released(gql, client, sign_in_with.sign_in, app, "1.0.1", reviewer)
    for n in range(2, 20):
        assert (await upload(client, app, package(app.app_id, f"1.0.{n}"))).status_code == 201
    twenty = await count_statements(gql(MINI_APP, view, token=app.developer.access_token))

    # the app; the developer's membership; its versions; `release` (the app, its released versions); its audit
    assert (len(one), len(twenty)) == (6, 6), twenty


async def test_the_review_queue(count_statements, sign_in_with):
    gql, _ = await sign_in_with()
    reviewer = await sign_in_with.sign_in("13900000909", Role.REVIEWER)
    first = await _submitted_app(gql, sign_in_with.sign_in)

    one = await count_statements(gql(REVIEW_QUEUE, token=reviewer.access_token))
    await _submitted_apps_beside(first, 19, gql, sign_in_with.sign_in)
    twenty = await count_statements(gql(REVIEW_QUEUE, token=reviewer.access_token))

    # the submitted versions; their apps (one prefetch)
    assert (len(one), len(twenty)) == (2, 2), twenty


async def test_a_developers_organisations_with_their_apps_and_latest_changes(count_statements, sign_in_with):
    gql, _ = await sign_in_with()
    first = await _submitted_app(gql, sign_in_with.sign_in)

    one = await count_statements(gql(DEVELOPER_CONSOLE, token=first.developer.access_token))
    await _submitted_apps_beside(first, 19, gql, sign_in_with.sign_in)
    twenty = await count_statements(gql(DEVELOPER_CONSOLE, token=first.developer.access_token))

    # the organisations; their apps; the apps' versions; `release` (apps, versions); the latest changes
    assert (len(one), len(twenty)) == (6, 6), twenty
    apps = (await gql(DEVELOPER_CONSOLE, token=first.developer.access_token))["data"]["myDeveloperOrgs"][0]["apps"]
    assert len(apps) == 20
    # Each app's own latest changes, newest first: registered, uploaded, submitted.
    assert {tuple((a["action"], a["version"]) for a in app["audit"]) for app in apps} == {
        (("submitted", "1.0.0"), ("uploaded", "1.0.0"), ("registered", None)),
    }


async def _submitted_app(gql, sign_in, *, org_of: DeveloperApp | None = None) -> DeveloperApp:
    """A registered app with version 1.0.0 in review; with ``org_of``, in that developer's organisation."""
    if org_of is None:
        developer = await sign_in("13900000101", Role.DEVELOPER)
        org_id = (await gql(CREATE_ORG, {"name": "Partner Co"}, token=developer.access_token))[
            "data"]["createDeveloperOrg"]["id"]
    else:
        developer, org_id = org_of.developer, org_of.org_id
    registered = (await gql(REGISTER, {"org": org_id, "name": "Branches"}, token=developer.access_token))[
        "data"]["registerMiniApp"]
    app = DeveloperApp(developer, org_id, registered["app"]["appId"], registered["appSecret"])
    assert (await upload(gql.http, app, package(app.app_id, "1.0.0", domains={}))).status_code == 201
    submitted = await gql(SUBMIT, {"app": app.app_id, "v": "1.0.0"}, token=developer.access_token)
    assert submitted["data"]["submitMiniAppVersion"]["state"] == "SUBMITTED", submitted
    return app


async def _submitted_apps_beside(first: DeveloperApp, count: int, gql, sign_in) -> None:
    for _ in range(count):
        await _submitted_app(gql, sign_in, org_of=first)
