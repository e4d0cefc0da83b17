"""Run by tests/test_isolation.py as a pytest run of its own, twice at once.

Each run writes to its Redis and its database, waits until the other run has written too
(the parent says "go" on stdin), then checks that it reads back only what it wrote.
"""

from __future__ import annotations

import os
import sys


async def test_reads_back_only_its_own_writes(runtime):
    marker = str(os.getpid()).encode()
    await runtime.redis.set("isolation:probe", marker)
    await runtime.identity.ensure_user(phone=f"139{os.getpid() % 100_000_000:08d}", roles=[])
    print("written", file=sys.__stdout__, flush=True)
    assert sys.stdin.readline().strip() == "go"
    assert await runtime.redis.get("isolation:probe") == marker
    from identity.models import User

    assert await User.all().count() == 1
