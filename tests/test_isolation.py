"""Two test runs at once on one machine never touch each other's Redis or database."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


async def test_two_runs_at_once_keep_their_own_redis_and_database():
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_REDIS_URL", "TEST_DATABASE_NAME")}
    runs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "tests/isolation_probe.py",
            cwd=ROOT, env=env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    outputs: list[list[bytes]] = [[], []]

    async def until_written(index: int) -> None:
        while True:
            line = await runs[index].stdout.readline()
            assert line, b"".join(outputs[index]).decode()
            outputs[index].append(line)
            if line.strip() == b"written":
                return

    await asyncio.wait_for(asyncio.gather(until_written(0), until_written(1)), timeout=300)
    for run in runs:  # both have written before either reads back
        run.stdin.write(b"go\n")
        await run.stdin.drain()
    for index, run in enumerate(runs):
        rest = await run.stdout.read()
        await run.wait()
        assert run.returncode == 0, (b"".join(outputs[index]) + rest).decode()
