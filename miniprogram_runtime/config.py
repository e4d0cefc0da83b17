"""The runtime's own settings, read from the app's environment when the runtime is built."""

from __future__ import annotations

from dataclasses import dataclass, field

from infra.settings import Settings, SettingsError, positive_int, read_env


@dataclass(frozen=True)
class BridgeConfig:
    call_timeout_seconds: float = 2.0
    breaker_failures: int = 5  # consecutive failures or timeouts that open an app's circuit
    breaker_cooldown_seconds: float = 10.0  # open this long, then one probe call is let through
    app_concurrency: int = 64  # calls of one app running at once in one process
    max_args_depth: int = 32  # nesting of a call's arguments; the args object is level 1
    storage_quota_bytes: int = 1024 * 1024  # per app and user
    storage_value_bytes: int = 256 * 1024
    image_max_bytes: int = 700 * 1024  # the decoded upload; JSON bodies are capped by MAX_BODY_BYTES
    image_max_side: int = 4096
    image_quota_bytes: int = 20 * 1024 * 1024  # per app and user
    consent_cache_seconds: int = 300
    app_window_seconds: int = 1  # the per-app limit's window; the per-user window is a minute
    audit_flush_seconds: float = 0.2
    audit_batch: int = 500
    # api name -> (calls per user per minute, calls per app per window); overrides the registry
    limits: dict[str, tuple[int, int]] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> BridgeConfig:
        config = settings.config()
        return cls(
            call_timeout_seconds=positive_int(config, "MP_BRIDGE_TIMEOUT_MS", 2000) / 1000,
            breaker_failures=positive_int(config, "MP_BREAKER_FAILURES", cls.breaker_failures),
            breaker_cooldown_seconds=positive_int(config, "MP_BREAKER_COOLDOWN_MS", 10_000) / 1000,
            app_concurrency=positive_int(config, "MP_BRIDGE_APP_CONCURRENCY", cls.app_concurrency),
            max_args_depth=positive_int(config, "MP_BRIDGE_MAX_ARGS_DEPTH", cls.max_args_depth),
            storage_quota_bytes=positive_int(config, "MP_STORAGE_QUOTA_BYTES", cls.storage_quota_bytes),
            storage_value_bytes=positive_int(config, "MP_STORAGE_VALUE_BYTES", cls.storage_value_bytes),
            image_max_bytes=positive_int(config, "MP_IMAGE_MAX_BYTES", cls.image_max_bytes),
            image_quota_bytes=positive_int(config, "MP_IMAGE_QUOTA_BYTES", cls.image_quota_bytes),
            consent_cache_seconds=positive_int(config, "MP_CONSENT_CACHE_SECONDS", cls.consent_cache_seconds),
            app_window_seconds=positive_int(config, "MP_BRIDGE_APP_WINDOW_SECONDS", cls.app_window_seconds),
            limits=parse_limits(read_env(config, "MP_BRIDGE_LIMITS", str, "")),
        )


def parse_limits(spec: str) -> dict[str, tuple[int, int]]:
    """``getStorage=600/2000,getUserInfo=10/100``: per user per minute / per app per window."""
    limits = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, pair = item.partition("=")
        per_user, _, per_app = pair.partition("/")
        if not (name and per_user.isdigit() and per_app.isdigit() and int(per_user) > 0 and int(per_app) > 0):
            raise SettingsError("MP_BRIDGE_LIMITS must be 'api=perUserPerMinute/perAppPerSecond' items separated by commas")
        limits[name.strip()] = (int(per_user), int(per_app))
    return limits
