"""One shared Redis connection with many commands in flight (infra.redis_multiplex): each caller
gets its own reply, errors are redis-py's typed ones, and a lost server is a ConnectionError
until it is back. Each test runs a redis-server of its own."""

from __future__ import annotations

import asyncio
import shutil

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError

from infra.kv import REDIS_UNAVAILABLE
from infra.redis_multiplex import MultiplexedRedis, pack
from tests.redis_server import RedisServer


@pytest.fixture
def server():
    started = RedisServer().start()
    yield started
    started.kill()
    shutil.rmtree(started.directory, ignore_errors=True)


@pytest.fixture
async def client(server):
    client = aioredis.Redis.from_url(f"{server.url}/3")
    yield client
    await client.aclose()


@pytest.fixture
async def wire(client):
    wire = MultiplexedRedis(client)
    yield wire
    await wire.aclose()


async def test_many_callers_in_flight_each_get_their_own_reply(wire, client):
    replies = await asyncio.gather(*(wire.execute(pack(["INCRBY", f"counter:{n % 7}", n])) for n in range(300)))
    # INCRBY answers the key's running total: the last reply per key is the key's sum
    for residue in range(7):
        total = sum(n for n in range(300) if n % 7 == residue)
        assert max(reply for n, reply in enumerate(replies) if n % 7 == residue) == total
        assert int(await client.get(f"counter:{residue}")) == total  # and in the URL's database (3)
    echoed = await asyncio.gather(*(wire.execute(pack(["ECHO", f"caller {n}"])) for n in range(100)))
    assert echoed == [f"caller {n}".encode() for n in range(100)]


async def test_error_replies_are_redis_pys_typed_errors_and_the_order_holds(wire):
    with pytest.raises(NoScriptError):
        await wire.execute(pack(["EVALSHA", "0" * 40, 0]))
    results = await asyncio.gather(
        wire.execute(pack(["SET", "text", "words"])), wire.execute(pack(["INCR", "text"])),
        wire.execute(pack(["GET", "text"])), return_exceptions=True)
    assert results[0] == b"OK"
    assert isinstance(results[1], ResponseError) and "not an integer" in str(results[1])
    assert results[2] == b"words"


async def test_a_cancelled_caller_does_not_shift_the_replies_of_the_next(wire):
    assert await wire.execute(pack(["PING"])) == b"PONG"  # connected: the next command goes out at once
    script = "redis.call('SET', 'ran', '1'); return 'late'"
    waiting = asyncio.ensure_future(wire.execute(pack(["EVAL", script, 0])))
    await asyncio.sleep(0)
    waiting.cancel()
    assert await wire.execute(pack(["ECHO", "mine"])) == b"mine"
    assert await wire.execute(pack(["GET", "ran"])) == b"1"  # it was sent; its reply went to nobody


async def test_a_lost_server_is_unavailable_until_it_is_back(server, wire):
    assert await wire.execute(pack(["SET", "kept", "1"])) == b"OK"
    server.kill()
    with pytest.raises(REDIS_UNAVAILABLE) as unavailable:
        for _ in range(50):  # the loss is seen when the socket closes; a command may still go out first
            await wire.execute(pack(["PING"]))
            await asyncio.sleep(0.02)
    assert isinstance(unavailable.value, RedisConnectionError)
    restarted = RedisServer(port=server.port, directory=server.directory).start()
    try:
        assert await wire.execute(pack(["GET", "kept"])) == b"1"  # a new connection, the data kept (AOF)
    finally:
        await wire.aclose()
        restarted.kill()


async def test_a_unix_socket_pool_is_followed_too_as_in_embedded_mode(tmp_path):
    socket_path = tmp_path / "redis.sock"
    server = RedisServer(directory=tmp_path, unixsocket=str(socket_path), unixsocketperm="700").start()
    client = aioredis.Redis.from_url(f"unix://{socket_path}?db=2")
    wire = MultiplexedRedis(client)
    try:
        assert MultiplexedRedis.supported(client)
        assert await wire.execute(pack(["SET", "over", "the socket"])) == b"OK"
        assert await client.get("over") == b"the socket"  # the URL's database (2), through the file
    finally:
        await wire.aclose()
        await client.aclose()
        server.kill()


@pytest.mark.parametrize("over", ["tcp", "unix socket"])
def test_it_works_on_uvloop_the_servers_loop(over, tmp_path):
    """uvicorn serves on uvloop, whose transports are not asyncio.Transport subclasses: the
    connection must still be written (it once hung every payment of the embedded server)."""
    import uvloop

    socket_path = tmp_path / "redis.sock"
    server = (RedisServer(directory=tmp_path, unixsocket=str(socket_path), unixsocketperm="700") if over == "unix socket"
              else RedisServer(directory=tmp_path)).start()
    url = f"unix://{socket_path}?db=2" if over == "unix socket" else f"{server.url}/2"

    async def round_trips() -> list:
        assert isinstance(asyncio.get_running_loop(), uvloop.Loop)
        client = aioredis.Redis.from_url(url)
        wire = MultiplexedRedis(client)
        try:
            async with asyncio.timeout(10):
                return await asyncio.gather(wire.execute(pack(["SET", "k", "v"])), wire.execute(pack(["GET", "k"])))
        finally:
            await wire.aclose()
            await client.aclose()

    try:
        assert uvloop.run(round_trips()) == [b"OK", b"v"]
    finally:
        server.kill()
