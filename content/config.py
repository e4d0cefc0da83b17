"""The content domain's settings, read once from the environment at the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from infra.settings import Settings, positive_int, read_env


@dataclass(frozen=True, slots=True)
class ContentConfig:
    namespace: str  # Redis key prefix
    consumer_in_app: bool  # run the profile consumer inside the serving process (embedded mode: yes)
    poll_ms: int  # how often the consumer looks for new vouched events
    settle_ms: int  # events younger than this are left for the next poll (see vouched_events_after)
    feed_session_seconds: int  # how long a feed's cursor stays valid
    catalogue_refresh_ms: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ContentConfig:
        config = settings.config()
        return cls(
            namespace=settings.channel_prefix,
            consumer_in_app=read_env(config, "CONTENT_CONSUMER_IN_APP", bool, settings.embedded_redis),
            poll_ms=positive_int(config, "CONTENT_POLL_MS", 200),
            settle_ms=positive_int(config, "CONTENT_SETTLE_MS", 300),
            feed_session_seconds=positive_int(config, "CONTENT_FEED_SESSION_SECONDS", 3600),
            catalogue_refresh_ms=positive_int(config, "CONTENT_CATALOGUE_REFRESH_MS", 1000),
        )
