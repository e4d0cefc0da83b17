"""Access tokens (short-lived, signed JWT) and refresh tokens (opaque, stored hashed)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import jwt

from identity.roles import Role

_ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller, resolved once per request from the access token."""

    user_id: int
    session_id: str
    roles: frozenset[Role]
    expires_at: int | None = None  # the access token's exp, seconds since the epoch

    def has_any(self, roles: set[Role] | frozenset[Role]) -> bool:
        return bool(self.roles & roles) or Role.ADMIN in self.roles


_VERIFIED_TOKENS = 4096  # per process: a few MB at most


class AccessTokens:
    def __init__(self, secret: str, *, ttl_seconds: int) -> None:
        self._key = hmac.new(secret.encode(), b"access-token", hashlib.sha256).digest()
        self.ttl_seconds = ttl_seconds
        # A token's signature and claims are checked once: the same string checks the same way
        # until it expires, and a client sends its token with every request. Revocation is
        # not decided here (IdentityService.authenticate asks Redis every time).
        self._verified: dict[str, tuple[int, Principal]] = {}

    def issue(self, *, user_id: int, session_id: str, roles: list[str]) -> str:
        now = int(time.time())
        claims = {
            "sub": str(user_id),
            "sid": session_id,
            "roles": roles,
            "iat": now,
            "exp": now + self.ttl_seconds,
            "typ": "access",
        }
        return jwt.encode(claims, self._key, algorithm=_ALGORITHM)

    def verify(self, token: str) -> Principal | None:
        known = self._verified.get(token)
        if known is not None:
            expires_at, principal = known
            if time.time() < expires_at:  # as PyJWT: expired from the second exp names
                return principal
            self._verified.pop(token, None)
            return None
        checked = self._check(token)
        if checked is not None:
            if len(self._verified) >= _VERIFIED_TOKENS:
                self._verified.pop(next(iter(self._verified)))  # the oldest
            self._verified[token] = (checked.expires_at or 0, checked)
        return checked

    def _check(self, token: str) -> Principal | None:
        try:
            claims = jwt.decode(
                token, self._key, algorithms=[_ALGORITHM], options={"require": ["exp", "sub", "sid"]}
            )
            roles = frozenset(Role(r) for r in claims.get("roles", []))
            if claims.get("typ") != "access":
                return None
            return Principal(int(claims["sub"]), str(claims["sid"]), roles, expires_at=int(claims["exp"]))
        except (jwt.PyJWTError, ValueError, TypeError):
            return None


def new_refresh_token() -> tuple[str, str]:
    """Returns (token for the client, hash to store)."""
    token = "rt_" + secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
