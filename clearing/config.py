"""The clearing domain's settings, read from the app's environment when the runtime is built.

With no ``CARD_NETWORK_URL`` the app is in embedded mode: ``superapp serve`` starts the
fake network itself, and both signing keys are random ones kept under the data dir.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from infra.settings import Secret, Settings, SettingsError, embedded_secret, positive_int, read_env

from clearing import signing


@dataclass(frozen=True, slots=True)
class ClearingConfig:
    network_url: str | None  # None: embedded mode, the server starts the fake network
    network_public_key: str  # base64 raw Ed25519: verifies what the network signs
    network_key_id: str
    bank_signing_key: Secret  # base64 Ed25519 seed the bank signs its requests and answers with
    bank_key_id: str
    callback_path: str  # where the network posts its notifications (served by bff)
    callback_url: str  # embedded mode only: the full URL the fake network posts to
    namespace: str  # prefix of Redis keys (nonces, result events)
    request_timeout_seconds: float  # a request to the network that takes longer is in doubt
    answer_wait_seconds: float  # how long a top-up or withdrawal waits for the result before answering PENDING
    notification_grace_seconds: int  # a movement still pending this long after its request is queried
    not_found_after_seconds: int  # the network not knowing a request this old means it never arrived
    pending_max_age_seconds: int  # reconciliation lists movements pending longer than this
    sweep_seconds: float  # how often the background step looks for late movements
    clock_skew_seconds: int  # a notification's timestamp may be this far from ours
    max_notification_bytes: int
    worker_in_app: bool  # run the background step inside the server (embedded mode)

    @property
    def embedded(self) -> bool:
        return self.network_url is None

    @property
    def bank_public_key(self) -> str:
        """What the network needs to verify the bank (base64 raw Ed25519)."""
        return signing.public_key_of(str(self.bank_signing_key))

    @classmethod
    def from_settings(cls, settings: Settings) -> ClearingConfig:
        config = settings.config()
        network_url = read_env(config, "CARD_NETWORK_URL", str, None) or None
        if network_url is not None and not network_url.startswith(("http://", "https://")):
            raise SettingsError("CARD_NETWORK_URL must be an http:// or https:// URL")
        network_key = read_env(config, "CARD_NETWORK_PUBLIC_KEY", str, None)
        bank_key = read_env(config, "CLEARING_BANK_SIGNING_KEY", Secret, None)
        if network_key is None or bank_key is None:
            if network_url is not None:
                raise SettingsError("CARD_NETWORK_URL needs CARD_NETWORK_PUBLIC_KEY and CLEARING_BANK_SIGNING_KEY")
            network_key = network_key or signing.public_key_of(embedded_network_seed(settings))
            bank_key = bank_key or Secret(embedded_secret(settings.data_dir, "clearing_bank_key"))
        _check_key("CARD_NETWORK_PUBLIC_KEY", network_key)
        _check_key("CLEARING_BANK_SIGNING_KEY", str(bank_key))
        callback_path = read_env(config, "CLEARING_CALLBACK_PATH", str, "/network/v1/notifications")
        if not callback_path.startswith("/") or "?" in callback_path:
            raise SettingsError("CLEARING_CALLBACK_PATH must be a path starting with /")
        return cls(
            network_url=network_url.rstrip("/") if network_url else None,
            network_public_key=network_key,
            network_key_id=read_env(config, "CARD_NETWORK_KEY_ID", str, "cnet-1"),
            bank_signing_key=bank_key,
            bank_key_id=read_env(config, "CLEARING_BANK_KEY_ID", str, "bank-1"),
            callback_path=callback_path,
            callback_url=read_env(config, "CLEARING_CALLBACK_URL", str, f"http://127.0.0.1:8000{callback_path}"),
            namespace=f"{settings.channel_prefix}:clearing",
            request_timeout_seconds=positive_int(config, "CLEARING_REQUEST_TIMEOUT_MS", 5_000) / 1000,
            answer_wait_seconds=_non_negative(config, "CLEARING_ANSWER_WAIT_MS", 2_000) / 1000,
            notification_grace_seconds=_non_negative(config, "CLEARING_NOTIFICATION_GRACE_SECONDS", 30),
            not_found_after_seconds=_non_negative(config, "CLEARING_NOT_FOUND_AFTER_SECONDS", 60),
            pending_max_age_seconds=_non_negative(config, "CLEARING_PENDING_MAX_AGE_SECONDS", 3_600),
            sweep_seconds=positive_int(config, "CLEARING_SWEEP_MS", 5_000) / 1000,
            clock_skew_seconds=positive_int(config, "CLEARING_CLOCK_SKEW_SECONDS", 300),
            max_notification_bytes=positive_int(config, "CLEARING_MAX_NOTIFICATION_BYTES", 16_384),
            worker_in_app=read_env(config, "CLEARING_WORKER_IN_APP", bool, settings.embedded_redis),
        )


def embedded_network_seed(settings: Settings) -> str:
    """The embedded fake network's own signing seed, kept under the data dir."""
    return embedded_secret(settings.data_dir, "card_network_key")


def _check_key(name: str, value: str) -> None:
    try:
        ok = len(base64.b64decode(value, validate=True)) == 32
    except (binascii.Error, ValueError):
        ok = False
    if not ok:
        raise SettingsError(f"{name} must be base64 of 32 bytes (a raw Ed25519 key)")


def _non_negative(config, name: str, default: int) -> int:
    value = read_env(config, name, int, default)
    if value < 0:
        raise SettingsError(f"{name} must not be negative, got {value}")
    return value
