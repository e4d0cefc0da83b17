"""A Redis Cluster of its own on loopback: Debian's redis-server, 3 masters, no replicas.

Used by tests/tracking/test_redis_cluster.py and ``bench/tracking_ingest.py --cluster``.
Each node is set as the README's "Redis in production" asks (append-only file, no
eviction), so the app's start-up check accepts it. ``stop()`` ends every process it started.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.redis_server import redis_server_binary


def _free_port_pair() -> int:
    """A loopback port whose cluster bus port (port + 10000) is free too."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port + 10000 > 65535:
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair on loopback")


def _cli(port: int, *args: str) -> str:
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True, timeout=30).stdout


class LocalRedisCluster:
    def __init__(self, directory: Path, masters: int = 3) -> None:
        self.directory = Path(directory)
        self.masters = masters
        self.ports: list[int] = []
        self.processes: list[subprocess.Popen] = []

    @property
    def url(self) -> str:
        """What TRACKING_REDIS_URL takes: any one node, the client finds the others."""
        return f"redis+cluster://127.0.0.1:{self.ports[0]}"

    @property
    def client_url(self) -> str:
        """The same node as redis-py's RedisCluster.from_url takes it."""
        return f"redis://127.0.0.1:{self.ports[0]}"

    def start(self) -> LocalRedisCluster:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        server = redis_server_binary()
        assert shutil.which("redis-cli"), "redis-cli (Debian package redis-tools) is needed"
        for _ in range(self.masters):
            port = _free_port_pair()
            node_dir = self.directory / str(port)
            node_dir.mkdir(parents=True)
            self.processes.append(subprocess.Popen(
                [server, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(node_dir),
                 "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000",
                 "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--maxmemory-policy", "noeviction"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))
            self.ports.append(port)
        deadline = time.monotonic() + 60
        for port in self.ports:
            while _cli(port, "ping").strip() != "PONG":
                assert time.monotonic() < deadline, f"redis-server on {port} did not start"
                time.sleep(0.05)
        subprocess.run(["redis-cli", "--cluster", "create", *(f"127.0.0.1:{p}" for p in self.ports),
                        "--cluster-replicas", "0", "--cluster-yes"], check=True, capture_output=True, timeout=60)
        for port in self.ports:
            while "cluster_state:ok" not in _cli(port, "cluster", "info"):
                assert time.monotonic() < deadline, f"the cluster did not settle on {port}"
                time.sleep(0.1)

    def stop_node(self, port: int) -> None:
        """Stop one node (as a crash would, to the others)."""
        process = self.processes[self.ports.index(port)]
        process.kill()
        process.wait()

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
