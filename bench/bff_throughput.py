"""GraphQL vs plain JSON on one uvicorn worker, PostgreSQL + Redis, wrk on loopback.

Prints requests/s, p50, p99 and the server's CPU ms per request (utime + stime of the
uvicorn process over the run, divided by its requests: robust to other load on the
machine, unlike the wall figures) for: the `me` query and a 20x8 home-like list through
GraphQL, each by text (graphql-core) and by persisted hash (its compiled plan, bff/compiled.py, answered
by bff/lean.py from the second request on),
and a plain Starlette endpoint returning the same list; then Apollo Server 5 and Mercurius with
graphql-jit (bench/node, from npm) serving the same schema and data; then the ratios.
Then, in this process: the middleware stack's CPU over bare Starlette
(bench/middleware_cost.py) and `me`'s read path stage by stage (bench/me_read_path.py).
Usage: .venv/bin/python bench/bff_throughput.py [--seconds 10] [--connections 16]
"""

from __future__ import annotations

import argparse
import hashlib
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import me_read_path, middleware_cost  # noqa: E402
from bench.bff_app import ENV, LOGIN, ME_QUERY, PHONE, TILES_QUERY, prepare_database  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def start_server(port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.bff_app:create_bench_app", "--factory",
         "--port", str(port), "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, **ENV}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


async def sign_in(base: str) -> str:
    from redis.asyncio import Redis

    async with httpx.AsyncClient(base_url=base) as http:
        for _ in range(200):
            try:
                if (await http.get("/readyz")).status_code == 200:
                    break
            except httpx.TransportError:
                await asyncio.sleep(0.1)
        await (Redis.from_url(ENV["REDIS_URL"])).flushdb()
        await http.post("/graphql", json={"query": 'mutation { requestLoginCode(phone: "%s") { __typename } }' % PHONE})
        conn = await asyncpg.connect(ENV["DATABASE_URL"])
        body = await conn.fetchval("SELECT body FROM identity_sms_outbox ORDER BY id DESC LIMIT 1")
        await conn.close()
        code = re.search(r"\d{6}", body).group(0)
        result = await http.post("/graphql", json={"query": LOGIN % (PHONE, code)})
        return result.json()["data"]["login"]["accessToken"]


def persisted(query: str) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}}


def free_port() -> int:
    with socket.socket() as probe:  # other sessions on the machine run benchmarks too
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process so far (/proc/PID/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def wrk(url: str, *, body: str | None, token: str | None, seconds: int, connections: int, pid: int = 0) -> dict:
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    lines = []
    if body is not None:
        lines += ['wrk.method = "POST"', f"wrk.body = {json.dumps(body)}", 'wrk.headers["Content-Type"] = "application/json"']
    if token:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {token}"')
    lines.append("""
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %f %f %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end""")
    script.write("\n".join(lines))
    script.close()
    cpu_before = cpu_seconds(pid) if pid else 0.0
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", script.name, url],
                         capture_output=True, text=True, check=True).stdout
    cpu = cpu_seconds(pid) - cpu_before if pid else 0.0
    os.unlink(script.name)
    requests, duration_us, p50_us, p99_us, errors = re.search(r"RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) (\d+)", out).groups()
    return {"rps": int(requests) / (int(duration_us) / 1e6), "p50_ms": float(p50_us) / 1000,
            "p99_ms": float(p99_us) / 1000, "errors": int(errors), "cpu_ms": cpu * 1000 / max(int(requests), 1)}


NODE = ROOT / "bench" / "node"


def node_peers(ours: dict, *, seconds: int, connections: int) -> dict:
    """Apollo Server 5 and Mercurius with graphql-jit (bench/node, installed from npm here) serving the
    same tiles query and data on one Node process each, checked to answer the same JSON as the BFF."""
    if not shutil.which("node"):
        sys.exit("node is needed for the Node peers: apt-get install -y nodejs npm")
    if not (NODE / "node_modules").is_dir():
        subprocess.run(["npm", "ci", "--silent", "--no-audit", "--no-fund"], cwd=NODE, check=True)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as data:
        json.dump(ours["data"]["tiles"], data)
    runs = {}
    try:
        for name, kind, path in (("Apollo Server 5", "apollo", "/"), ("Mercurius + jit", "mercurius", "/graphql")):
            port = free_port()
            peer = subprocess.Popen(["node", "server.mjs", kind, str(port), data.name], cwd=NODE,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            try:
                assert peer.stdout.readline().strip() == "ready", f"{name} did not start"
                url = f"http://127.0.0.1:{port}{path}"
                answer = httpx.post(url, json={"query": TILES_QUERY}).json()
                assert answer == ours, f"{name} answers other JSON than the BFF"
                body = json.dumps({"query": TILES_QUERY})
                wrk(url, body=body, token=None, seconds=2, connections=4)  # warm: the JIT, caches
                runs[name] = wrk(url, body=body, token=None, seconds=seconds, connections=connections, pid=peer.pid)
            finally:
                peer.terminate()
                peer.wait()
    finally:
        os.unlink(data.name)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    asyncio.run(prepare_database())
    port = free_port()
    server = start_server(port)
    try:
        base = f"http://127.0.0.1:{port}"
        token = asyncio.run(sign_in(base))
        # warm up the parser/validation caches and connection pools
        wrk(f"{base}/graphql", body=json.dumps({"query": TILES_QUERY}), token=None, seconds=2, connections=4)
        wrk(f"{base}/graphql", body=json.dumps({"query": ME_QUERY}), token=token, seconds=2, connections=4)
        load = {"seconds": args.seconds, "connections": args.connections, "pid": server.pid}
        for query in (ME_QUERY, TILES_QUERY):  # registered by hash, as clients do at build time
            httpx.post(f"{base}/graphql", json={"query": query, "extensions": persisted(query)},
                       headers={"authorization": f"Bearer {token}"}).raise_for_status()
        runs = {
            "graphql me": wrk(f"{base}/graphql", body=json.dumps({"query": ME_QUERY}), token=token, **load),
            "me compiled (hash)": wrk(f"{base}/graphql", body=json.dumps({"extensions": persisted(ME_QUERY)}), token=token, **load),
            "graphql home 20x8": wrk(f"{base}/graphql", body=json.dumps({"query": TILES_QUERY}), token=None, **load),
            "home compiled (hash)": wrk(f"{base}/graphql", body=json.dumps({"extensions": persisted(TILES_QUERY)}), token=None, **load),
            "plain json 20x8": wrk(f"{base}/plain/tiles", body="{}", token=None, **load),
        }
        rss = int(Path(f"/proc/{server.pid}/status").read_text().split("VmRSS:")[1].split()[0]) // 1024
        ours = httpx.post(f"{base}/graphql", json={"query": TILES_QUERY}).json()
    finally:
        server.terminate()
        server.wait()
    runs.update(node_peers(ours, seconds=args.seconds, connections=args.connections))
    print(f"one uvicorn worker, {args.connections} connections, {args.seconds}s each, server RSS {rss} MB")
    print(f"{'scenario':<22}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'CPU ms/req':>12}{'errors':>8}")
    for name, r in runs.items():
        print(f"{name:<22}{r['rps']:>10.0f}{r['p50_ms']:>10.2f}{r['p99_ms']:>10.2f}{r['cpu_ms']:>12.3f}{r['errors']:>8}")
    ratio = runs["plain json 20x8"]["rps"] / runs["graphql home 20x8"]["rps"]
    print(f"plain JSON / GraphQL home throughput ratio: {ratio:.2f}x (target: within 4x)")
    print(f"me p99 {runs['graphql me']['p99_ms']:.1f} ms, compiled {runs['me compiled (hash)']['p99_ms']:.1f} ms"
          f" at {args.connections} connections (target: under 20 ms)")
    plain_cpu = runs["plain json 20x8"]["cpu_ms"]
    print(f"compiled home CPU / plain JSON CPU: {runs['home compiled (hash)']['cpu_ms'] / plain_cpu:.2f}x (target: at most 2x)")
    apollo = runs["Apollo Server 5"]["rps"]
    print(f"compiled home / Apollo Server throughput: {runs['home compiled (hash)']['rps'] / apollo:.2f}x "
          f"(target: at least 1x); Mercurius (graphql-jit) / compiled home: "
          f"{runs['Mercurius + jit']['rps'] / runs['home compiled (hash)']['rps']:.2f}x")
    print()
    middleware_cost.main([])
    print()
    asyncio.run(prepare_database())
    me_read_path.report(asyncio.run(me_read_path.measure(2000)))


if __name__ == "__main__":
    main()
