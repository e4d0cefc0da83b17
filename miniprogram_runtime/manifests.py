"""What the version a user runs declares: its JSAPIs and scopes, read once per process.

A version's manifest never changes once uploaded (the package is content-addressed and
signed), so it is cached by digest for the life of the process; which version a user runs
is decided per call from the release snapshot.
"""

from __future__ import annotations

from collections import OrderedDict

from miniprogram_host.service import VersionDeclaration, version_declaration

_MAX_CACHED = 4096
_NOTHING = VersionDeclaration(version="", jsapis=frozenset(), scopes={})


class DeclaredApis:
    def __init__(self) -> None:
        self._cache: OrderedDict[tuple[str, str], VersionDeclaration] = OrderedDict()

    async def of(self, *, app_id: str, digest: str) -> VersionDeclaration:
        key = (app_id, digest)
        found = self._cache.get(key)
        if found is not None:
            return found
        found = await version_declaration(app_id=app_id, digest=digest)
        if found is None:  # a snapshot naming a version that is gone: declares nothing
            return _NOTHING
        self._cache[key] = found
        if len(self._cache) > _MAX_CACHED:
            self._cache.popitem(last=False)
        return found
