"""Real server processes for tests that need more than one worker."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    def __init__(self, base: str, process: subprocess.Popen, log) -> None:
        self.base = base
        self.process = process
        self._log = log

    def output(self) -> str:
        """What the server printed so far (stdout and stderr)."""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")


@asynccontextmanager
async def server(environ: dict[str, str], *args: str, inherit_environment: bool = True):
    """`superapp serve` in a subprocess on a free loopback port; yields a ServerProcess."""
    port = free_port()
    env = {**(os.environ if inherit_environment else {"PATH": os.environ["PATH"]}), **environ}
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [sys.executable, "-m", "superapp.cli", "serve", "--no-migrate", "--port", str(port), *args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        await _wait_ready(base, process, log)
        yield ServerProcess(base, process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


async def _wait_ready(base: str, process: subprocess.Popen, log, attempts: int = 300) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(attempts):
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"server exited: {log.read().decode()[-2000:]}")
            try:
                if (await http.get(f"{base}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"server at {base} not ready")


@asynccontextmanager
async def server_process(environ: dict[str, str], *args: str):
    """`superapp serve` in a subprocess; yields its base URL."""
    async with server(environ, *args) as running:
        yield running.base
