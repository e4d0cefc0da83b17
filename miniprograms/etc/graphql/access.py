"""ETC's service as the running app holds it (``runtime.apps["etc"]``, built by the composition root)."""

from __future__ import annotations

from miniprograms.etc.service import EtcService


def etc_service(runtime: object) -> EtcService:
    service = getattr(runtime, "apps", {}).get("etc")
    if not isinstance(service, EtcService):
        raise RuntimeError("the composition root did not build ETC's service")
    return service
