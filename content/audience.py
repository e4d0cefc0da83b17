"""Audiences by segment, without content knowing how segments are made.

The composition root hands the content service an ``AudienceSegments`` (marketing's segment
lookup, through its public module); an item stores only a segment id, checked at authoring
with ``known``, and a feed page asks ``member_of`` once for every segment its catalogue
targets. Without a lookup no segment exists, so an item cannot be aimed at one.
"""

from __future__ import annotations

from typing import Protocol


class AudienceSegments(Protocol):
    async def known(self, segment_ids: list[int]) -> frozenset[int]: ...

    async def member_of(self, *, user_id: int, segment_ids: list[int]) -> frozenset[int]: ...


class NoAudienceSegments:
    async def known(self, segment_ids: list[int]) -> frozenset[int]:
        return frozenset()

    async def member_of(self, *, user_id: int, segment_ids: list[int]) -> frozenset[int]:
        return frozenset()
