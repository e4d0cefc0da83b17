"""Automatic persisted queries, as Apollo clients speak them.

A client sends ``extensions.persistedQuery.sha256Hash``; if the server knows the hash the
query text is not needed. An unknown hash answers PERSISTED_QUERY_NOT_FOUND, and the
client retries with the full query, which the server checks against the hash and keeps.
The bank's own clients (web/: the H5 app and the consoles) register every operation at build
time (``web/dist/persisted-operations.json``): the server knows them from its start.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from pathlib import Path

import redis.asyncio as aioredis


class PersistedQueryError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def persisted_hash_of(extensions: dict | None) -> str | None:
    """The sha256 a request that ``PersistedQueries.resolve`` accepted named its query by."""
    persisted = (extensions or {}).get("persistedQuery")
    return persisted["sha256Hash"].lower() if isinstance(persisted, dict) else None


class PersistedQueries:
    def __init__(self, redis: aioredis.Redis, *, local_size: int = 2048, max_query_bytes: int = 100_000,
                 known: dict[str, str] | None = None) -> None:
        """``known``: operations registered at build time, by hash (never evicted)."""
        self._redis = redis
        self._known = {digest: query for digest, query in (known or {}).items()
                       if hashlib.sha256(query.encode()).hexdigest() == digest}
        self._local: OrderedDict[str, str] = OrderedDict()
        self._local_size = local_size
        self._max_query_bytes = max_query_bytes

    async def resolve(self, query: str | None, extensions: dict | None) -> str | None:
        """Return the query text to execute, registering it when the client sent both."""
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            return query
        if not isinstance(persisted, dict) or persisted.get("version") != 1:
            raise PersistedQueryError("PERSISTED_QUERY_NOT_SUPPORTED", "Only version 1 is supported.")
        digest = persisted.get("sha256Hash")
        if not isinstance(digest, str) or len(digest) != 64:
            raise PersistedQueryError("BAD_PERSISTED_QUERY", "sha256Hash must be 64 hex digits.")
        digest = digest.lower()
        if query is None:
            known = self._known.get(digest) or self._local.get(digest) or await self._fetch(digest)
            if known is None:
                raise PersistedQueryError("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
            return known
        if hashlib.sha256(query.encode()).hexdigest() != digest:
            raise PersistedQueryError("BAD_PERSISTED_QUERY", "provided sha does not match query")
        if len(query) <= self._max_query_bytes:
            await self._redis.set(f"apq:{digest}", query, ex=30 * 24 * 3600)
            self._remember(digest, query)
        return query

    async def _fetch(self, digest: str) -> str | None:
        raw = await self._redis.get(f"apq:{digest}")
        if raw is None:
            return None
        query = raw.decode()
        self._remember(digest, query)
        return query

    def _remember(self, digest: str, query: str) -> None:
        self._local[digest] = query
        self._local.move_to_end(digest)
        while len(self._local) > self._local_size:
            self._local.popitem(last=False)


def load_registered(path: Path) -> dict[str, str]:
    """A build's ``{sha256: query}`` manifest; none when the file is not there (web/ not built)."""
    try:
        listed = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    return {str(k).lower(): v for k, v in listed.items() if isinstance(v, str)}
