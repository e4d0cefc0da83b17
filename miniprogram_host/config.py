"""The host's own settings, read from the app's environment when the runtime is built."""

from __future__ import annotations

from dataclasses import dataclass

from infra.settings import Settings, positive_int, read_env


@dataclass(frozen=True)
class PackageLimits:
    archive_bytes: int = 20 * 1024 * 1024  # the uploaded zip itself
    main_bytes: int = 2 * 1024 * 1024  # files outside subpackages, uncompressed
    total_bytes: int = 20 * 1024 * 1024  # every file, uncompressed
    max_files: int = 1000
    max_ratio: int = 100  # uncompressed / compressed, per file


@dataclass(frozen=True, slots=True)
class HostConfig:
    limits: PackageLimits
    signing_keys: str | None  # "kid:base64(32-byte seed),...", the first one signs
    resolution_cache_seconds: int

    @classmethod
    def from_settings(cls, settings: Settings) -> HostConfig:
        config = settings.config()
        return cls(
            limits=PackageLimits(
                archive_bytes=positive_int(config, "MP_MAX_ARCHIVE_BYTES", PackageLimits.archive_bytes),
                main_bytes=positive_int(config, "MP_MAX_MAIN_BYTES", PackageLimits.main_bytes),
                total_bytes=positive_int(config, "MP_MAX_TOTAL_BYTES", PackageLimits.total_bytes),
                max_files=positive_int(config, "MP_MAX_FILES", PackageLimits.max_files),
                max_ratio=positive_int(config, "MP_MAX_COMPRESSION_RATIO", PackageLimits.max_ratio),
            ),
            signing_keys=read_env(config, "MP_SIGNING_KEYS", str, None) or None,
            resolution_cache_seconds=positive_int(config, "MP_RESOLUTION_CACHE_SECONDS", 3600),
        )
