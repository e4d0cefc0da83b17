"""uvicorn's HTTP protocol with a deadline for every request head (``superapp serve`` uses it).

uvicorn arms its keep-alive timer only after a response, and cancels it on any byte: a
connection that sends nothing, or headers that never end, stayed open for ever (measured
with uvicorn 0.54 and timeout_keep_alive=1: still open after 8 s). Here a connection gets
``timeout_keep_alive`` seconds (HTTP_KEEP_ALIVE_SECONDS) from opening, and from the first
byte of each request, to finish the request's headers; the body has its own deadline
(``bff.middleware.BodyTimeout``).
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class RequestHeadDeadline(HttpToolsProtocol):
    _head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head_deadline()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_head_deadline()

    def on_headers_complete(self) -> None:
        self._stop_head_deadline()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_deadline()
        super().connection_lost(exc)

    def _start_head_deadline(self) -> None:
        if self._head_deadline is None:
            self._head_deadline = self.loop.call_later(self.timeout_keep_alive, self._head_too_slow)

    def _stop_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if not self.transport.is_closing():
            self.transport.close()
