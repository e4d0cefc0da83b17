"""ETC's service as the running app holds it (``runtime.etc``: ``superapp.runtime.AppRuntime``, built by the composition root)."""

from __future__ import annotations

from miniprograms.etc.service import EtcService


def etc_service(runtime: object) -> EtcService:
    service = getattr(runtime, "etc", None)
    if not isinstance(service, EtcService):
        raise RuntimeError("the composition root did not build ETC's service")
    return service
