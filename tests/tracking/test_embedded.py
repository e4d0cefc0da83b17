"""Embedded mode (SQLite and the app's own Redis): events are drained by the serving process.

Runs in a subprocess: one process cannot use SQLite and PostgreSQL one after the other.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import orjson

from tests import conftest as harness
from tests.servers import ROOT, server
from tests.support import LOGIN, REQUEST_CODE, GraphQLClient
from tests.tracking.support import event, utc

SUPERAPP = str(Path(sys.executable).parent / "superapp")
PAGE_VIEWS = """
{ trackingPageViews(since: "2026-11-01T00:00:00+08:00", until: "2026-11-30T00:00:00+08:00") {
    ... on PageViewsReport { rows { page hour pageViews visitors } } } }
"""


async def test_embedded_mode_stores_and_reports_events(tmp_path):
    environ = {"SUPERAPP_DATA_DIR": str(tmp_path / "var")}  # no DATABASE_URL, no REDIS_URL
    shutil.copytree(harness.migrated_data_dir(), tmp_path / "var")  # what `superapp migrate` makes
    done = subprocess.run([SUPERAPP, "seed-demo"], cwd=ROOT, env={"PATH": "/usr/bin:/bin", **environ},
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    async with server(environ, inherit_environment=False) as app:
        async with httpx.AsyncClient(base_url=app.base) as http:
            # given an operator of the demo data
            gql = GraphQLClient(http)
            await gql(REQUEST_CODE, {"phone": "13800000003"})
            code = re.search(r"\[sms outbox\] to 138\*\*\*\*0003: \D*(\d{6})", app.output()).group(1)
            login = await gql(LOGIN, {"phone": "13800000003", "code": code, "device": {"id": "ops-laptop-1"}})
            token = login["data"]["login"]["accessToken"]

            # when the app sends page views, one of them twice
            views = [event("$page", page="/home", anonymous_id=f"d{i}", at=utc(2026, 11, 20, 15, 30)) for i in range(3)]
            for _ in range(2):
                answer = await http.post("/track/batch", content=orjson.dumps({"batch": views}))
                assert answer.status_code == 200
            assert answer.json()["duplicates"] == [v["eventId"] for v in views]

            # then the serving process stores them and the report shows them once, in local time
            rows = []
            for _ in range(400):
                rows = (await gql(PAGE_VIEWS, token=token))["data"]["trackingPageViews"]["rows"]
                if rows:
                    break
                await asyncio.sleep(0.025)
            assert rows == [{"page": "/home", "hour": "2026-11-20T23:00:00+08:00", "pageViews": 3, "visitors": 3}]

            # and an event the operator's token vouches for keeps its user in the SQLite file too
            operator = str(login["data"]["login"]["user"]["id"])
            mine = event("$click", properties={"placement": "p"}, user_id=operator)
            forged = event("$click", properties={"placement": "p"}, user_id="1")
            await http.post("/track/batch", content=orjson.dumps({"batch": [mine, forged]}),
                            headers={"authorization": f"Bearer {token}"})
            database = sqlite3.connect(tmp_path / "var" / "superapp.sqlite3")
            for _ in range(400):
                found = dict(database.execute(
                    "SELECT event_id, COALESCE(user_id, '-') || '/' || vouched_by FROM tracking_event WHERE event_id IN (?, ?)",
                    (mine["eventId"], forged["eventId"]),
                ).fetchall())
                if len(found) == 2:
                    break
                await asyncio.sleep(0.025)
            database.close()
            assert found == {mine["eventId"]: f"{operator}/token", forged["eventId"]: "-/anonymous"}
