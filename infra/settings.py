"""Typed settings read from the environment when the app is created, never at import.

Every default is the embedded mode: a SQLite file and a Redis server started by the app
under ``var/``, so ``superapp serve`` works with nothing set. A malformed variable stops
startup with an error that names it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from typing import Any

_MISSING: Any = object()
_BOOLEANS = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}


class SettingsError(ValueError):
    """A variable in the environment cannot be used; the message names it."""


class Secret:
    """A string that does not show itself in reprs, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def __str__(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __bool__(self) -> bool:
        return bool(self._value)


class Config:
    """Reads typed variables from one environment mapping: ``config("X", int, 5)``.

    A present value is cast (booleans accept true/false, 1/0, yes/no, on/off); a cast that
    fails raises ValueError. An absent one gives the default, uncast.
    """

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def __call__(self, name: str, cast: Any = str, default: Any = _MISSING) -> Any:
        raw = self._environ.get(name)
        if raw is None:
            if default is _MISSING:
                raise KeyError(f"{name} is not set")
            return default
        if cast is bool:
            try:
                return _BOOLEANS[raw.strip().lower()]
            except KeyError:
                raise ValueError(f"{raw!r} is not a boolean") from None
        try:
            return cast(raw)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{raw!r} is not a valid {getattr(cast, '__name__', cast)}: {exc}") from None


@dataclass(frozen=True, slots=True)
class RedisOptions:
    """How every process talks to Redis, and what it demands of the server (README: Redis in production)."""

    max_connections: int  # per process; a request past it waits up to pool_timeout_seconds
    pool_timeout_seconds: float
    retry_after_seconds: int  # told to callers answered 503 because Redis is out of reach
    durability: str  # "refuse" or "warn": what start-up does with a Redis that can lose answered writes

    @classmethod
    def from_config(cls, config: Config) -> RedisOptions:
        return cls(
            max_connections=positive_int(config, "REDIS_MAX_CONNECTIONS", 64),
            pool_timeout_seconds=positive_float(config, "REDIS_POOL_TIMEOUT_SECONDS", 2.0),
            retry_after_seconds=positive_int(config, "REDIS_RETRY_AFTER_SECONDS", 1),
            durability=one_of(config, "REDIS_DURABILITY", ("refuse", "warn"), "refuse"),
        )


@dataclass(frozen=True, slots=True)
class Settings:
    debug: bool
    data_dir: Path
    database_url: str
    redis_url: str | None  # None: start the embedded Redis under data_dir
    redis: RedisOptions
    secret_key: Secret
    pii_keys: Secret  # "kid:base64key,kid:base64key", the first one encrypts
    access_token_seconds: int
    refresh_token_seconds: int
    login_code_seconds: int
    login_code_max_attempts: int
    login_codes_per_phone_per_hour: int
    login_code_resend_seconds: int
    login_codes_per_ip_per_hour: int
    max_body_bytes: int
    max_upload_bytes: int  # multipart GraphQL requests (file uploads) only
    max_query_depth: int
    max_aliases: int
    max_tokens: int
    max_fragments: int  # fragment definitions in one document
    max_selections: int  # fields and spreads of a document with every fragment spread inlined
    max_json_depth: int  # nesting of a /graphql request's JSON (variables, extensions, the body)
    introspection: bool  # introspection and "did you mean" suggestions (on with DEBUG)
    metrics_token: Secret | None  # /metrics answers only with this bearer token; refused when unset
    body_timeout_seconds: float  # a request body must arrive within this, ...
    body_min_bytes_per_second: int  # ... extended by a second for every this many bytes received
    keep_alive_seconds: int  # an idle keep-alive connection is closed after this
    sms_gateway: str
    channel_prefix: str
    log_level: str
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def embedded_redis(self) -> bool:
        return self.redis_url is None

    @property
    def uses_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def config(self) -> Config:
        """A Config over the same environment, for a domain's own settings."""
        return Config(environ=dict(self.environ))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        config = Config(environ=env)
        data_dir = Path(read_env(config, "SUPERAPP_DATA_DIR", str, "var")).resolve()
        debug = read_env(config, "DEBUG", bool, False)
        secret_key = read_env(config, "SECRET_KEY", Secret, None) or Secret(
            embedded_secret(data_dir, "secret_key")
        )
        pii_keys = read_env(config, "PII_KEYS", Secret, None) or Secret(
            "k1:" + embedded_secret(data_dir, "pii_key")
        )
        _check_pii_keys(str(pii_keys))
        database_url = read_env(config, "DATABASE_URL", str, f"sqlite://{data_dir / 'superapp.sqlite3'}")
        if not database_url.startswith(("sqlite://", "postgres://", "postgresql://", "asyncpg://")):
            raise SettingsError("DATABASE_URL must be a sqlite:// or postgres:// URL")
        redis_url = read_env(config, "REDIS_URL", str, None) or None
        if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError("REDIS_URL must be a redis://, rediss:// or unix:// URL")
        return cls(
            debug=debug,
            data_dir=data_dir,
            database_url=database_url,
            redis_url=redis_url,
            redis=RedisOptions.from_config(config),
            secret_key=secret_key,
            pii_keys=pii_keys,
            access_token_seconds=positive_int(config, "ACCESS_TOKEN_SECONDS", 900),
            refresh_token_seconds=positive_int(config, "REFRESH_TOKEN_SECONDS", 30 * 24 * 3600),
            login_code_seconds=positive_int(config, "LOGIN_CODE_SECONDS", 300),
            login_code_max_attempts=positive_int(config, "LOGIN_CODE_MAX_ATTEMPTS", 5),
            login_codes_per_phone_per_hour=positive_int(config, "LOGIN_CODES_PER_PHONE_PER_HOUR", 5),
            login_code_resend_seconds=positive_int(config, "LOGIN_CODE_RESEND_SECONDS", 60),
            login_codes_per_ip_per_hour=positive_int(config, "LOGIN_CODES_PER_IP_PER_HOUR", 30),
            max_body_bytes=positive_int(config, "MAX_BODY_BYTES", 1_000_000),
            max_upload_bytes=positive_int(config, "MAX_UPLOAD_BYTES", 25_000_000),
            max_query_depth=positive_int(config, "GRAPHQL_MAX_DEPTH", 12),
            max_aliases=positive_int(config, "GRAPHQL_MAX_ALIASES", 30),
            max_tokens=positive_int(config, "GRAPHQL_MAX_TOKENS", 3000),
            max_fragments=positive_int(config, "GRAPHQL_MAX_FRAGMENTS", 100),
            max_selections=positive_int(config, "GRAPHQL_MAX_SELECTIONS", 3000),
            max_json_depth=at_most(256, positive_int(config, "GRAPHQL_MAX_JSON_DEPTH", 32), "GRAPHQL_MAX_JSON_DEPTH"),
            introspection=read_env(config, "GRAPHQL_INTROSPECTION", bool, debug),
            metrics_token=read_env(config, "METRICS_TOKEN", Secret, None) or None,
            body_timeout_seconds=positive_float(config, "REQUEST_BODY_TIMEOUT_SECONDS", 20.0),
            body_min_bytes_per_second=positive_int(config, "REQUEST_BODY_MIN_RATE", 10_000),
            keep_alive_seconds=positive_int(config, "HTTP_KEEP_ALIVE_SECONDS", 5),
            sms_gateway=one_of(config, "SMS_GATEWAY", ("outbox",), "outbox"),
            channel_prefix=read_env(config, "CHANNEL_PREFIX", str, "superapp"),
            log_level=one_of(config, "LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
            environ=env,
        )


def read_env(config: Config, name: str, cast, default):
    """Read one variable; a malformed value raises SettingsError naming it."""
    try:
        return config(name, cast=cast, default=default)
    except ValueError as exc:
        raise SettingsError(f"{name} is malformed: {exc}") from None


def positive_int(config: Config, name: str, default: int) -> int:
    value = read_env(config, name, int, default)
    if value <= 0:
        raise SettingsError(f"{name} must be a positive integer, got {value}")
    return value


def at_most(highest: int, value: int, name: str) -> int:
    if value > highest:
        raise SettingsError(f"{name} must be at most {highest}, got {value}")
    return value


def positive_float(config: Config, name: str, default: float) -> float:
    value = read_env(config, name, float, default)
    if not value > 0 or value == float("inf"):
        raise SettingsError(f"{name} must be a positive number, got {value}")
    return value


def one_of(config: Config, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = read_env(config, name, str, default)
    if value not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _check_pii_keys(raw: str) -> None:
    import base64
    import binascii

    for item in raw.split(","):
        kid, _, key = item.strip().partition(":")
        try:
            ok = bool(kid) and len(base64.b64decode(key, validate=True)) == 32
        except binascii.Error:
            ok = False
        if not ok:
            raise SettingsError("PII_KEYS must be 'kid:base64(32 bytes)' items separated by commas")


def embedded_secret(data_dir: Path, name: str) -> str:
    """A random key kept under the data dir, so embedded mode needs no configuration."""
    import base64

    path = data_dir / "keys" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(base64.b64encode(secrets.token_bytes(32)).decode())
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass(frozen=True, slots=True)
class SignedPeer:
    """An outside party signed both ways: where it is (None: embedded mode runs a fake of it),
    the key that verifies it and the seed we sign with (raw Ed25519, base64)."""

    url: str | None
    public_key: str
    signing_key: Secret


def signed_peer(config: Config, *, url: str, public_key: str, signing_key: str,
                embedded: Callable[[], tuple[str, str]]) -> SignedPeer:
    """Read a signed peer's three variables; with no URL, ``embedded()`` gives both keys."""
    import base64
    import binascii

    where = read_env(config, url, str, None) or None
    if where is not None and not where.startswith(("http://", "https://")):
        raise SettingsError(f"{url} must be an http:// or https:// URL")
    theirs, ours = read_env(config, public_key, str, None), read_env(config, signing_key, Secret, None)
    if theirs is None or ours is None:
        if where is not None:
            raise SettingsError(f"{url} needs {public_key} and {signing_key}")
        their_default, our_default = embedded()
        theirs, ours = theirs or their_default, ours or Secret(our_default)
    for name, value in ((public_key, theirs), (signing_key, str(ours))):
        try:
            ok = len(base64.b64decode(value, validate=True)) == 32
        except (binascii.Error, ValueError):
            ok = False
        if not ok:
            raise SettingsError(f"{name} must be base64 of 32 bytes (a raw Ed25519 key)")
    return SignedPeer(where.rstrip("/") if where else None, theirs, ours)
