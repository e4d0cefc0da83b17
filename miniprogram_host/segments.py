"""Gray release by audience segment, without the host knowing how segments are made.

The composition root hands the host a ``SegmentDirectory`` (marketing's, through its public
module); the host stores only segment ids in the gray rules and asks the directory, per
resolution, which of them the user belongs to. Without a directory no segment matches.
"""

from __future__ import annotations

from typing import Protocol

MAX_SEGMENTS = 20


class SegmentDirectory(Protocol):
    async def known(self, segment_ids: list[int]) -> frozenset[int]: ...

    async def member_of(self, *, user_id: int, segment_ids: list[int]) -> frozenset[int]: ...


class NoSegments:
    async def known(self, segment_ids: list[int]) -> frozenset[int]:
        return frozenset()

    async def member_of(self, *, user_id: int, segment_ids: list[int]) -> frozenset[int]:
        return frozenset()
