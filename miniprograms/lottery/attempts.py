"""Security-code attempts, limited per ticket and per customer, in Redis (so every worker counts).

Only failures count (a wrong code, an unknown ticket): a day's window from the first one.
A ticket's limit stops guessing across many accounts, a customer's across many tickets.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio as aioredis

from miniprograms.lottery.errors import AttemptsExhausted

WINDOW_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class Attempts:
    redis: aioredis.Redis
    namespace: str
    per_ticket: int
    per_user: int

    def _keys(self, user_id: int, ticket_number: str) -> tuple[str, str]:
        return f"{self.namespace}:wrong:user:{user_id}", f"{self.namespace}:wrong:ticket:{ticket_number}"

    async def check(self, *, user_id: int, ticket_number: str) -> None:
        """Refuse before asking the operator when either limit is used up."""
        user_key, ticket_key = self._keys(user_id, ticket_number)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.get(user_key).get(ticket_key).ttl(user_key).ttl(ticket_key)
            user, ticket, user_ttl, ticket_ttl = await pipe.execute()
        if int(user or 0) >= self.per_user or int(ticket or 0) >= self.per_ticket:
            raise AttemptsExhausted(retry_after_seconds=max(1, int(max(user_ttl, ticket_ttl, 1))))

    async def failed(self, *, user_id: int, ticket_number: str) -> int:
        """Count one failure; how many attempts are left (the smaller of the two)."""
        user_key, ticket_key = self._keys(user_id, ticket_number)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(user_key).expire(user_key, WINDOW_SECONDS, nx=True)
            pipe.incr(ticket_key).expire(ticket_key, WINDOW_SECONDS, nx=True)
            user, _, ticket, _ = await pipe.execute()
        return max(0, min(self.per_user - int(user), self.per_ticket - int(ticket)))
