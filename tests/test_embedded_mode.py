"""With nothing configured the app runs on SQLite and a Redis server it starts itself."""

import os

from bff.app import create_app
from superapp import db
from superapp.settings import Settings
from tests.support import GraphQLClient, SignIn


async def test_embedded_mode_signs_a_customer_in_and_stops_its_redis(tmp_path):
    import httpx

    # given no DATABASE_URL and no REDIS_URL, only a data directory
    settings = Settings.from_env({"SUPERAPP_DATA_DIR": str(tmp_path / "var")})
    assert settings.uses_sqlite and settings.embedded_redis
    await db.migrate(settings)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        runtime = app.state.runtime
        redis_pid = runtime.redis_handle._embedded.pid
        assert runtime.redis_handle.url.startswith("unix://")
        assert (await runtime.redis.info("server"))["redis_version"].startswith("6.2")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            gql = GraphQLClient(http)
            session = await SignIn(gql, runtime)("13700000001")
            me = await gql("{ me { maskedPhone } }", token=session.access_token)
            assert me["data"]["me"]["maskedPhone"] == "137****0001"
            assert (await http.get("/readyz")).json()["ready"] is True
    # then the data lives under the data dir and the Redis server stopped with the app
    assert (tmp_path / "var" / "superapp.sqlite3").exists()
    assert not _alive(redis_pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie has exited too
        return stat.read().split()[2] != "Z"
