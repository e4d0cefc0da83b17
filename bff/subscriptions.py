"""graphql-transport-ws sockets that live no longer than the session that signed them in.

A socket signs in once, with ``{"authorization": "Bearer <access token>"}`` in its
``connection_init`` payload; HTTP checks the token on every request. So that a socket
never hears more than HTTP would answer, it is closed with 4403 the moment its session is
revoked (logout, the device signed out from another one, a reused refresh token), on
whichever worker that happened, or its access token expires. The client then signs in
again (refreshes) and reconnects.

An ``Authorization`` header on the upgrade request is refused (4403) rather than taken as
a second way in: browsers cannot send one on a WebSocket, the reference clients use
``connection_init``, and one way in is one place to check and to watch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage

from identity.tokens import Principal

log = logging.getLogger("bff.subscriptions")
FORBIDDEN = 4403
INTERNAL_ERROR = 1011
HEADER_REFUSED = "Send the access token in the connection_init payload, not in an Authorization header"


class SessionBoundSocket(BaseGraphQLTransportWSHandler):
    _session_watch: asyncio.Task | None = None

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        if "authorization" in self.context.request.headers:
            await self.websocket.close(code=FORBIDDEN, reason=HEADER_REFUSED)
            return
        await super().handle_connection_init(message)
        principal = self.context.principal
        if self.connection_acknowledged and principal is not None and self._session_watch is None:
            self._session_watch = asyncio.create_task(self._close_when_session_ends(principal))
            self._session_watch.add_done_callback(self._task_done)

    async def _close_when_session_ends(self, principal: Principal) -> None:
        try:
            reason = await self.context.runtime.identity.until_session_ends(principal)
            code, text = FORBIDDEN, f"Forbidden: the session ended ({reason})"
        except Exception:  # noqa: BLE001 - a socket whose session cannot be watched is closed
            log.exception("cannot watch the session of a subscription socket")
            code, text = INTERNAL_ERROR, "The session cannot be checked; reconnect"
        # Stop every operation before closing, so none sends on a closed socket.
        tasks = [op.task for op in self.operations.values() if op.task is not None]
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        if tasks:
            await asyncio.wait(tasks)
        # The client may have gone at the same moment: nothing is left to close then.
        with contextlib.suppress(RuntimeError, OSError):
            await self.websocket.close(code=code, reason=text)

    async def shutdown(self) -> None:
        if self._session_watch is not None:
            self._session_watch.cancel()
            await asyncio.wait([self._session_watch])
        await super().shutdown()
