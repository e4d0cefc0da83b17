"""One Redis connection that every caller of a hot path shares, with many commands in flight.

Redis answers a connection's commands in the order they were sent, so callers need no
connection each: a command is written as it comes and its reply is the next one read. On
this machine a script call costs ~100 us of the client's CPU through redis-py's pool and
~35 us here (~17 us with 16 callers in flight, when one read brings several replies); the
server spends less too, reading several commands per wake-up. Transaction monitoring's
one script call per movement goes this way (``monitoring.state``).

The connection is opened on first use from the pool's own settings (address, password,
database) and again after it is lost; a command in flight when it is lost fails with
redis-py's ``ConnectionError``, as from the pool, and Redis's error replies raise
redis-py's typed errors (``NoScriptError`` ...). Only plain TCP and Unix sockets: a pool
over TLS keeps using redis-py (``supported``).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from typing import Any, cast

import hiredis
import redis.asyncio as aioredis
from redis._parsers.base import BaseParser
from redis.asyncio.connection import Connection, UnixDomainSocketConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

Arg = str | int | bytes


def pack(args: Sequence[Arg]) -> bytes:
    """A command in RESP: an array of bulk strings."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        out.append(b"$%d\r\n%b\r\n" % (len(data), data))
    return b"".join(out)


class _Wire(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.waiting: deque[asyncio.Future[Any]] = deque()
        self.closed = False
        self._outgoing: list[bytes] = []
        self._reader = hiredis.Reader()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Not isinstance(transport, asyncio.Transport): uvloop's transports (the server's loop) are
        # not subclasses of it; all this needs is write() and close().
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self._reader.feed(data)
        waiting = self.waiting
        while (reply := self._reader.gets()) is not False:
            future = waiting.popleft()
            if future.done():  # its caller was cancelled (or timed out): the reply is dropped
                continue
            if isinstance(reply, hiredis.ReplyError):
                future.set_exception(BaseParser.parse_error(str(reply)))
            else:
                future.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_exception(RedisConnectionError(repr(exc) if exc else "EOF"))  # answered as a 503

    def send(self, packed: bytes) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.waiting.append(future)
        # Written after the callbacks of this turn of the loop: callers woken together (by one
        # read of the database's replies) share one send, which costs more than the call.
        if not self._outgoing:
            loop.call_soon(self._flush)
        self._outgoing.append(packed)
        return future

    def _flush(self) -> None:
        outgoing, self._outgoing = self._outgoing, []
        if self.transport is not None and not self.closed:
            self.transport.write(b"".join(outgoing))


class MultiplexedRedis:
    def __init__(self, client: aioredis.Redis) -> None:
        pool = client.connection_pool
        self._kwargs = pool.connection_kwargs
        self._kind = pool.connection_class
        self._wire: _Wire | None = None
        self._connecting = asyncio.Lock()
        self._timeout: float | None = self._kwargs.get("socket_timeout")

    @staticmethod
    def supported(client: aioredis.Redis) -> bool:
        return client.connection_pool.connection_class in (Connection, UnixDomainSocketConnection)

    async def execute(self, packed: bytes) -> Any:
        """Send one packed command (``pack``) and wait for its reply."""
        wire = self._wire
        if wire is None or wire.closed:
            wire = await self._connect()
        if self._timeout is None:
            return await wire.send(packed)
        try:
            async with asyncio.timeout(self._timeout):
                return await wire.send(packed)
        except TimeoutError as exc:
            # The reply may still come: this connection's order can no longer be trusted.
            self._drop(wire)
            raise RedisTimeoutError() from exc

    async def aclose(self) -> None:
        if self._wire is not None:
            self._drop(self._wire)
            self._wire = None

    def _drop(self, wire: _Wire) -> None:
        wire.closed = True
        if wire.transport is not None:
            wire.transport.close()

    async def _connect(self) -> _Wire:
        async with self._connecting:
            if self._wire is not None and not self._wire.closed:
                return self._wire
            loop = asyncio.get_running_loop()
            kwargs = self._kwargs
            try:
                async with asyncio.timeout(kwargs.get("socket_connect_timeout") or self._timeout or 10):
                    if self._kind is UnixDomainSocketConnection:
                        _, wire = await loop.create_unix_connection(_Wire, kwargs["path"])
                    else:
                        _, wire = await loop.create_connection(_Wire, kwargs.get("host", "localhost"),
                                                               int(kwargs.get("port", 6379)))
                    try:  # sign in and choose the database before any caller's command is sent
                        if kwargs.get("password"):
                            credentials = [kwargs["username"]] if kwargs.get("username") else []
                            await wire.send(pack(["AUTH", *credentials, kwargs["password"]]))
                        if int(kwargs.get("db") or 0):
                            await wire.send(pack(["SELECT", int(kwargs["db"])]))
                    except BaseException:
                        self._drop(wire)
                        raise
            except (OSError, TimeoutError) as exc:
                raise RedisConnectionError(repr(exc)) from exc
            self._wire = wire
            return wire
