"""With nothing configured, `superapp serve` runs on SQLite and a Redis server it starts
itself, and a newcomer can sign in with the code printed on the console.

Runs in a subprocess: Tortoise caches dialect-specific SQL on model classes, so one
process cannot use SQLite and PostgreSQL one after the other.
"""

import re
import subprocess
import sys

import httpx
import redis

from tests.servers import ROOT, server
from tests.support import LOGIN, REQUEST_CODE, GraphQLClient


async def test_embedded_mode_signs_a_customer_in_and_stops_its_redis(tmp_path):
    data_dir = tmp_path / "var"
    environ = {"SUPERAPP_DATA_DIR": str(data_dir)}  # and no DATABASE_URL, no REDIS_URL
    migrate = subprocess.run([sys.executable, "-m", "superapp.cli", "migrate"], cwd=ROOT,
                             env={"PATH": "/usr/bin:/bin", **environ}, capture_output=True, text=True)
    assert migrate.returncode == 0, migrate.stderr
    async with server(environ, inherit_environment=False) as app:
        socket_url = re.search(r"embedded redis-server started at (unix://\S+)", app.output()).group(1)
        assert redis.Redis.from_url(socket_url).info("server")["redis_version"].startswith("6.2")
        async with httpx.AsyncClient(base_url=app.base) as http:
            gql = GraphQLClient(http)
            assert (await gql(REQUEST_CODE, {"phone": "13700000001"}))["data"]["requestLoginCode"]["__typename"] == "LoginCodeSent"
            code = re.search(r"\[sms outbox\] to 137\*\*\*\*0001: \D*(\d{6})", app.output()).group(1)
            login = await gql(LOGIN, {"phone": "13700000001", "code": code, "device": {"id": "newcomer-laptop", "platform": "H5"}})
            token = login["data"]["login"]["accessToken"]
            me = await gql("{ me { maskedPhone } }", token=token)
            assert me["data"]["me"]["maskedPhone"] == "137****0001"
    # then the data lives under the data dir, and the Redis server stopped with the app
    assert (data_dir / "superapp.sqlite3").exists()
    try:
        redis.Redis.from_url(socket_url).ping()
    except (redis.ConnectionError, FileNotFoundError):
        pass
    else:
        raise AssertionError("embedded redis-server still running after the app stopped")
