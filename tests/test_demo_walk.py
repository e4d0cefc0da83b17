"""The README's first walk, run as written against embedded mode with the demo data.

`superapp seed-demo` runs twice on a fresh data dir (SQLite and the app's own Redis), as
every `./scripts/serve` start does; then the README's shell blocks run in one bash, with
the code read from the server's console as a newcomer would: the balance is there, the
payment to the other demo customer goes through, a top-up goes through the card network
the server started, the sample mini-program resolves as released, and the day of events is
stored; the network stops with the server.

Runs the server in a subprocess: one process cannot use SQLite and PostgreSQL one after
the other.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from tests.servers import ROOT, server
from tests.support import LOGIN, REQUEST_CODE, GraphQLClient

SUPERAPP = str(Path(sys.executable).parent / "superapp")
README = (ROOT / "README.md").read_text()
DONE = "__walk_step_done__"
CLAIM = """mutation($input: ClaimLotteryPrizeInput!) { claimLotteryPrize(input: $input) {
  __typename ... on LotteryPrizePaid { claim { prize state } } ... on Error { message } } }"""
PAGE_VIEWS = """query($since: DateTime!, $until: DateTime!, $app: String) {
  trackingPageViews(since: $since, until: $until, appId: $app) { ... on PageViewsReport { rows { page pageViews } } } }"""


def walk_blocks() -> list[str]:
    """The shell blocks of the README's walk, after the one that starts the server."""
    section = README[README.index("## A first walk"):]
    section = section[:section.index("\n## ", 1)]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert blocks[0].strip() == "./scripts/serve"
    return blocks[1:]


def _cli(step: str, environ: dict) -> str:
    done = subprocess.run([SUPERAPP, step], cwd=ROOT, env={"PATH": "/usr/bin:/bin", **environ},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


class Shell:
    """One bash reading the README's lines from a pipe, as a terminal would."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def run(self, block: str) -> list[dict]:
        """Run a block; the JSON answers it printed."""
        self.process.stdin.write(f"{block}\necho {DONE}\n".encode())
        await self.process.stdin.drain()
        answers = []
        while True:
            line = (await asyncio.wait_for(self.process.stdout.readline(), timeout=60)).decode()
            assert line, "bash ended early"
            if line.strip() == DONE:
                return answers
            if line.startswith("{"):
                answers.append(json.loads(line))


async def _sign_in(gql: GraphQLClient, app, phone: str) -> str:
    await gql(REQUEST_CODE, {"phone": phone})
    code = _latest_code(app, phone)
    login = await gql(LOGIN, {"phone": phone, "code": code, "device": {"id": f"walk-test-{phone}", "platform": "H5"}})
    return login["data"]["login"]["accessToken"]


def _latest_code(app, phone: str) -> str:
    masked = re.escape(f"{phone[:3]}****{phone[-4:]}")
    return re.findall(rf"\[sms outbox\] to {masked}: \D*(\d{{6}})", app.output())[-1]


async def test_the_readmes_first_walk_works_on_the_demo_data(tmp_path):
    environ = {"SUPERAPP_DATA_DIR": str(tmp_path / "var")}  # no DATABASE_URL, no REDIS_URL
    _cli("migrate", environ)
    first, second = _cli("seed-demo", environ), _cli("seed-demo", environ)
    app_ids = [re.search(r"demo mini-program (mp[0-9a-f]+) 1\.0\.0 released", out).group(1) for out in (first, second)]
    assert app_ids[0] == app_ids[1]  # the second run found what the first made
    # The parks demo (its listings' SQL on SQLite), and its mini-program released both times.
    assert all("offices on offer: A-1202" in out and "demo mini-program 智慧园区 mp" in out for out in (first, second))
    app_id = app_ids[0]
    async with server(environ, inherit_environment=False) as app:
        blocks = [b.replace("http://127.0.0.1:8000", app.base) for b in walk_blocks()]
        bash = await asyncio.create_subprocess_exec(
            "bash", "--norc", "--noprofile", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, env={"PATH": "/usr/bin:/bin"},
        )
        shell = Shell(bash)
        try:
            # sign in: ask for a code, read it on the server's console, log in
            [asked] = await shell.run(blocks[0])
            assert asked == {"data": {"requestLoginCode": {"__typename": "LoginCodeSent"}}}
            code = _latest_code(app, "13800000001")
            accounts, pin_set, paid = await shell.run(re.sub(r"^CODE=\d+$", f"CODE={code}", blocks[1], flags=re.M))
            assert pin_set == {"data": {"setPaymentPin": {"__typename": "PaymentPinSet"}}}
            # the balance is there, and the payment to the other demo customer went through
            class_two = next(a for a in accounts["data"]["accounts"] if a["kind"] == "CLASS_TWO")
            assert class_two["balance"] > 0
            assert any(a["kind"] == "CLASS_ONE" and a["maskedCardNumber"] for a in accounts["data"]["accounts"])
            assert paid["data"]["payCustomer"] == {"__typename": "PaymentSent", "payeeMaskedPhone": "138****0002",
                                                   "fromAccount": {"balance": class_two["balance"] - 1000}}
            # a top-up from the bound card, through the card network the server started
            topped, after = await shell.run(blocks[2])
            assert topped["data"]["topUp"]["movement"] | {"id": None} == {
                "id": None, "status": "SUCCEEDED", "amount": 10000}
            wallet = next(a for a in after["data"]["accounts"] if a["kind"] == "CLASS_TWO")
            assert wallet["balance"] == class_two["balance"] - 1000 + 10000 and len(wallet["accountNumber"]) == 19
            # the sample mini-program resolves as released
            [resolved] = await shell.run(re.sub(r"^APP=\w+$", f"APP={app_id}", blocks[3], flags=re.M))
            assert resolved["data"]["resolveMiniProgram"] == {
                "__typename": "ResolvedMiniProgram", "version": "1.0.0", "channel": "live"}
        finally:
            bash.stdin.close()
            await bash.wait()
        async with httpx.AsyncClient(base_url=app.base) as http:
            gql = GraphQLClient(http)
            # the payee got the money
            payee = await _sign_in(gql, app, "13800000002")
            theirs = (await gql("{ accounts { kind balance } }", token=payee))["data"]["accounts"]
            assert [a["balance"] for a in theirs if a["kind"] == "CLASS_TWO"] == [5_000_00 + 1000]
            # the demo customer, verified by the seed, claims a demo ticket from the embedded lottery operator
            customer = await _sign_in(gql, app, "13800000001")
            claimed = await gql(CLAIM, {"input": {"ticketNumber": "20261201000000000001", "securityCode": "480613"}},
                                token=customer)
            assert claimed["data"]["claimLotteryPrize"] == {"__typename": "LotteryPrizePaid", "claim": {
                "prize": 2000, "state": "CONFIRMED"}}
            # and an operator sees the day of page views in the mini-program, stored once
            operator = await _sign_in(gql, app, "13800000003")
            now = datetime.now(timezone.utc)
            window = {"since": (now - timedelta(days=2)).isoformat(), "until": (now + timedelta(hours=1)).isoformat(),
                      "app": app_id}
            rows = (await gql(PAGE_VIEWS, window, token=operator))["data"]["trackingPageViews"]["rows"]
            assert sum(r["pageViews"] for r in rows) == 60
            assert {r["page"] for r in rows} == {"pages/index.html"}
        network = re.search(r"embedded card network started at (http://\S+?) ", app.output()).group(1)
        lottery = re.search(r"embedded lottery operator started at (http://\S+?) ", app.output()).group(1)
        # the day settles against the embedded network's file, on SQLite
        today = datetime.now(timezone(timedelta(hours=8))).date().isoformat()
        settled = subprocess.run([SUPERAPP, "ledger", "reconcile", "--date", today], cwd=ROOT, timeout=120,
                                 env={"PATH": "/usr/bin:/bin", **environ}, capture_output=True, text=True)
        assert settled.returncode == 0, settled.stdout + settled.stderr
        assert f"settlement {today}: the network's file 1 movements (10000 fen), ours 1" in settled.stdout
    assert await _stops_answering(network), "the embedded card network still answers after the server stopped"
    assert await _stops_answering(lottery), "the embedded lottery operator still answers after the server stopped"


async def _stops_answering(url: str) -> bool:
    """The network was told to stop when the server died; it closes its port once its shutdown ends."""
    async with httpx.AsyncClient(base_url=url, timeout=2) as http:
        for _ in range(200):
            try:
                await http.get("/healthz")
            except httpx.TransportError:
                return True
            await asyncio.sleep(0.05)
    return False
