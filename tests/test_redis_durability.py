"""The server checks at start that its Redis keeps what it acknowledges, as the README says.

Each test runs a redis-server of its own with the settings under test, the way an
operator's Redis could be set, including a managed one that refuses CONFIG.
"""

from __future__ import annotations

import logging
import shutil

import pytest

from infra.redis_durability import RedisNotDurable
from tests.redis_server import RedisServer


@pytest.fixture
def redis_with(environ):
    """``redis_with(appendonly="no", ...)`` starts a server so set and points the app at it."""
    started: list[RedisServer] = []

    def start(**options: str) -> RedisServer:
        server = RedisServer(**options).start()
        started.append(server)
        environ["REDIS_URL"] = f"{server.url}/0"
        environ.pop("REDIS_DURABILITY", None)  # the default, whatever the run's own Redis needs
        return server

    yield start
    for server in started:
        server.kill()
        shutil.rmtree(server.directory, ignore_errors=True)


async def test_a_redis_that_can_lose_answered_writes_is_refused_at_start(redis_with, start_app):
    # given a Redis with no append-only file that evicts keys when full
    redis_with(appendonly="no", maxmemory_policy="allkeys-lru")

    # when the server starts, then it refuses, naming each setting and the way out
    with pytest.raises(RedisNotDurable) as refused:
        await start_app()
    message = str(refused.value)
    assert "appendonly is 'no' (needs yes)" in message
    assert "maxmemory-policy is 'allkeys-lru' (needs noeviction)" in message
    assert "REDIS_DURABILITY=warn" in message


async def test_an_fsync_policy_of_no_is_refused(redis_with, start_app):
    redis_with(appendfsync="no")
    with pytest.raises(RedisNotDurable, match=r"appendfsync is 'no' \(needs always or everysec\)"):
        await start_app()


async def test_with_durability_warn_the_server_starts_and_says_what_is_wrong(redis_with, environ, start_app, caplog):
    redis_with(appendonly="no")
    environ["REDIS_DURABILITY"] = "warn"

    with caplog.at_level(logging.WARNING, logger="superapp.redis"):
        gql, _ = await start_app()

    assert (await gql("{ __typename }"))["data"] == {"__typename": "Query"}
    assert any("appendonly is 'no'" in record.getMessage() for record in caplog.records)


async def test_a_managed_redis_refusing_config_is_checked_through_info(redis_with, start_app, caplog):
    # given a managed-style Redis where CONFIG is disabled, without an append-only file
    redis_with(appendonly="no", rename_command=("CONFIG", ""))

    # then what INFO shows is still checked
    with pytest.raises(RedisNotDurable, match="appendonly is 'no'"):
        await start_app()


async def test_a_managed_redis_refusing_config_starts_when_info_shows_it_durable(redis_with, start_app, caplog):
    redis_with(rename_command=("CONFIG", ""))

    with caplog.at_level(logging.WARNING, logger="superapp.redis"):
        gql, _ = await start_app()

    # and the fsync policy, which only CONFIG shows, is reported as unverified
    assert (await gql("{ __typename }"))["data"] == {"__typename": "Query"}
    assert any("cannot read appendfsync" in record.getMessage() for record in caplog.records)
