"""The open platform's own settings, read from the app's environment when the runtime is built."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from infra.settings import Secret, Settings, SettingsError, positive_int, read_env
from openplatform.envelope import BankKeys
from openplatform.signing import _N


def positive_float(config, name: str, default: float) -> float:
    value = read_env(config, name, float, default)
    if value <= 0:
        raise SettingsError(f"{name} must be a positive number, got {value}")
    return value


@dataclass(frozen=True, slots=True)
class OpenPlatformConfig:
    namespace: str  # prefix of every Redis key
    login_code_seconds: int
    login_codes_per_user_per_minute: int
    access_token_seconds: int
    token_grace_seconds: int  # the previous token keeps working this long after a refresh
    clock_skew_seconds: int  # a signed request's timestamp may differ this much from ours
    rate_per_second: int  # per app
    sm2_verifications_per_second: int  # per app, counted before the (CPU-heavy) check
    daily_quota: int  # per app, per UTC day
    webhook_max_attempts: int
    webhook_backoff_seconds: float  # the first retry waits about this long, then doubling
    webhook_backoff_max_seconds: float
    webhook_timeout_seconds: float
    webhook_allow_private: bool  # deliver to loopback and private addresses (tests, on-premises)
    bank_keys: BankKeys = field(repr=False)  # the bank's SM2 pairs that open envelopes and sign answers

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenPlatformConfig:
        config = settings.config()
        return cls(
            namespace=f"{settings.channel_prefix}:op",
            login_code_seconds=positive_int(config, "OPENAPI_LOGIN_CODE_SECONDS", 300),
            # WeChat allows 100 code2Session calls per user per minute.
            login_codes_per_user_per_minute=positive_int(config, "OPENAPI_LOGIN_CODES_PER_USER_PER_MINUTE", 100),
            access_token_seconds=positive_int(config, "OPENAPI_ACCESS_TOKEN_SECONDS", 7200),
            token_grace_seconds=positive_int(config, "OPENAPI_TOKEN_GRACE_SECONDS", 300),
            clock_skew_seconds=positive_int(config, "OPENAPI_CLOCK_SKEW_SECONDS", 300),
            rate_per_second=positive_int(config, "OPENAPI_RATE_PER_SECOND", 50),
            sm2_verifications_per_second=positive_int(config, "OPENAPI_SM2_VERIFICATIONS_PER_SECOND", 500),
            daily_quota=positive_int(config, "OPENAPI_DAILY_QUOTA", 100_000),
            webhook_max_attempts=positive_int(config, "WEBHOOK_MAX_ATTEMPTS", 8),
            webhook_backoff_seconds=positive_float(config, "WEBHOOK_BACKOFF_SECONDS", 10.0),
            webhook_backoff_max_seconds=positive_float(config, "WEBHOOK_BACKOFF_MAX_SECONDS", 3600.0),
            webhook_timeout_seconds=positive_float(config, "WEBHOOK_TIMEOUT_SECONDS", 10.0),
            webhook_allow_private=read_env(config, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES", bool, False),
            bank_keys=BankKeys.derive(
                str(settings.secret_key),
                encryption_private=_sm2_private_key(config, "OPENAPI_ENVELOPE_ENCRYPTION_KEY"),
                signing_private=_sm2_private_key(config, "OPENAPI_ENVELOPE_SIGNING_KEY"),
            ),
        )


def _sm2_private_key(config, name: str) -> str | None:
    """An SM2 private key given as 64 hex characters; unset, it is derived from SECRET_KEY."""
    value = read_env(config, name, Secret, None)
    if value is None:
        return None
    key = str(value).strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", key) or not 0 < int(key, 16) < _N:
        raise SettingsError(f"{name} must be an SM2 private key: 64 hex characters, below the group order")
    return key
