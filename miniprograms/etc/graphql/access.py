"""ETC's service as the running app holds it (``runtime.etc``: ``superapp.runtime.AppRuntime``, built by the composition root)."""

from __future__ import annotations

from bff.services import app_service
from miniprograms.etc.service import EtcService


def etc_service(runtime: object) -> EtcService:
    return app_service(runtime, "etc", EtcService)
