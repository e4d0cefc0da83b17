"""Apps made with the same schema settings share one schema (superapp.schema.shared_schema).

Sharing is safe only if the schema depends on nothing else of the settings: the build is
run over a settings object that records what is read of it.
"""

from __future__ import annotations

from dataclasses import replace

from bff import schema as bff_schema
from infra.settings import Settings
from superapp import schema as app_schema
from tests import conftest as harness


class _Recording:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.read: set[str] = set()

    def __getattr__(self, name: str):
        self.read.add(name)
        return getattr(self._settings, name)


def test_the_schema_is_built_from_the_settings_it_is_shared_by_and_no_others():
    for debug in ("0", "1"):
        recording = _Recording(Settings.from_env(harness.test_environ(DEBUG=debug)))
        app_schema.build_schema(recording)
        assert recording.read and recording.read <= set(bff_schema.SCHEMA_SETTINGS)


def test_apps_with_the_same_schema_settings_share_one_schema_and_others_get_their_own():
    settings = Settings.from_env(harness.test_environ())
    elsewhere = replace(settings, log_level="INFO", max_body_bytes=settings.max_body_bytes + 1)
    deeper = replace(settings, max_query_depth=settings.max_query_depth + 1)
    introspecting = replace(settings, introspection=not settings.introspection)
    shared = app_schema.shared_schema(settings)
    assert app_schema.shared_schema(elsewhere) is shared
    assert app_schema.shared_schema(deeper) is not shared
    assert app_schema.shared_schema(introspecting) is not shared
    assert app_schema.shared_schema(deeper).as_str() == shared.as_str()  # the same types, other limits
