"""What the version a user runs declares: its JSAPIs and scopes, read once per process.

A version's manifest never changes once uploaded (the package is content-addressed and
signed), so it is cached by digest for the life of the process; which version a user runs
is decided per call from the release snapshot.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from miniprogram_host.models import AppVersion

_MAX_CACHED = 4096


@dataclass(frozen=True, slots=True)
class Declared:
    version: str
    jsapis: frozenset[str]
    scopes: dict[str, str]  # scope -> the reason shown to users


class DeclaredApis:
    def __init__(self) -> None:
        self._cache: OrderedDict[tuple[str, str], Declared] = OrderedDict()

    async def of(self, *, app_id: str, digest: str) -> Declared:
        key = (app_id, digest)
        found = self._cache.get(key)
        if found is not None:
            return found
        row = await AppVersion.filter(app__app_id=app_id, digest=digest).order_by("-id").first().values(
            "version", "manifest"
        )
        if row is None:  # a snapshot naming a version that is gone: declares nothing
            return Declared(version="", jsapis=frozenset(), scopes={})
        manifest = row["manifest"]
        found = Declared(
            version=row["version"],
            jsapis=frozenset(manifest.get("jsapis") or ()),
            scopes={s["scope"]: s["reason"] for s in manifest.get("scopes") or () if isinstance(s, dict)},
        )
        self._cache[key] = found
        if len(self._cache) > _MAX_CACHED:
            self._cache.popitem(last=False)
        return found
