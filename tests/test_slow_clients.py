"""A client that sends its request slowly holds a connection only for a stated time.

Real sockets against a real uvicorn: the body timeout is set short here, and the client
waits for the server's answer (or its closing the connection), never for a clock.
"""

import asyncio
import json
from urllib.parse import urlsplit

import pytest

from tests.servers import server

BODY = json.dumps({"query": "{ __typename }", "variables": {"pad": "x" * 1900}}).encode()
HEAD = (
    "POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
    f"Content-Length: {len(BODY)}\r\n\r\n"
).encode()


@pytest.fixture
def environ(environ):
    environ["REQUEST_BODY_TIMEOUT_SECONDS"] = "1"
    environ["REQUEST_BODY_MIN_RATE"] = "1000"
    return environ


async def connect(server_url: str):
    address = urlsplit(server_url)
    return await asyncio.open_connection(address.hostname, address.port)


async def dribble_then_stall(reader, writer, body: bytes) -> bytes:
    """Send the first bytes of the body one at a time, then nothing; return all the server says.

    The client stops sending well before the server's deadline (so the server's close is a
    clean one, not a reset over unread bytes). It hangs up itself only if no answer ever
    comes, as on a server without a body timeout: that bound keeps such a run finite.
    """
    answer = asyncio.create_task(reader.read())  # everything until the connection closes
    writer.write(HEAD)
    for byte in body[:20]:
        await asyncio.sleep(0.01)
        writer.write(bytes([byte]))
    await asyncio.wait([answer], timeout=30)
    writer.close()
    return await answer


async def test_a_dribbled_body_is_answered_408_and_the_connection_closed(server_url):
    reader, writer = await connect(server_url)
    # when the client sends a few bytes of its body, a byte at a time, and then stalls
    response = await dribble_then_stall(reader, writer, BODY)
    # then the server answers 408 with a typed error and closes the connection
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), response[:200]
    assert b"connection: close" in head.lower()
    error = json.loads(body)["errors"][0]
    assert error["extensions"] == {"code": "REQUEST_TIMEOUT", "setting": "REQUEST_BODY_TIMEOUT_SECONDS", "limit": 1.0}


async def test_a_slow_but_steady_body_is_served(server_url):
    reader, writer = await connect(server_url)
    # a body that takes as long as the base timeout but arrives faster than the minimum rate
    chunks = [BODY[i:i + 200] for i in range(0, len(BODY), 200)]
    writer.write(HEAD)
    for chunk in chunks:
        await asyncio.sleep(0.1)  # the client's pace: 2 kB/s, for 1 s in all
        writer.write(chunk)
    response = await reader.readuntil(b"}}")
    writer.close()
    assert response.startswith(b"HTTP/1.1 200"), response[:200]
    assert response.endswith(b'{"data":{"__typename":"Query"}}')


async def test_an_idle_keep_alive_connection_is_closed(environ, app):
    environ["HTTP_KEEP_ALIVE_SECONDS"] = "1"
    async with server(environ) as running:
        reader, writer = await connect(running.base)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        first = await reader.readuntil(b"}")
        assert first.startswith(b"HTTP/1.1 200")
        # then the client sends nothing more: the server closes the connection (EOF)
        assert await reader.read() == b""
        writer.close()


async def closed_by_server(reader, writer) -> bool:
    """Whether the server closed the connection (sending nothing); the client hangs up only if it never does."""
    answer = asyncio.create_task(reader.read())
    done, _ = await asyncio.wait([answer], timeout=30)  # a bound for servers without the deadline, so such a run ends
    writer.close()
    return bool(done) and await answer == b""


async def test_a_connection_that_never_finishes_its_headers_is_closed(environ, app):
    environ["HTTP_KEEP_ALIVE_SECONDS"] = "1"
    async with server(environ) as running:
        # a connection that sends nothing at all, and one whose headers never end
        idle = await connect(running.base)
        slow = await connect(running.base)
        slow[1].write(b"POST /graphql HTTP/1.1\r\nHost: test\r\n")
        assert await closed_by_server(*idle)
        assert await closed_by_server(*slow)
        # while a request whose headers do arrive is served on the same server
        reader, writer = await connect(running.base)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        assert (await reader.readuntil(b"}")).startswith(b"HTTP/1.1 200")
        writer.close()
