"""Resolution endpoint vs a small static file, on the same server, in the same run.

    .venv/bin/python bench/mp_resolution.py [--seconds 5] [--rounds 3] [--connections 32]

Embedded mode in a temporary data dir (SQLite + the app's own Redis): one app is seeded
with 1.0.0 live and 2.0.0 in a 30% gray release, then ``superapp serve`` runs as a
subprocess on a loopback port. The load comes from ``wrk`` (random device ids, so users
spread over both versions) or, without wrk, from a bounded Python client. The Redis
snapshot is warmed first. Prints requests/s, p50 and p99 for each and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.wrk import run_wrk, wait_ready  # noqa: E402
from tests.servers import free_port  # noqa: E402

WRK_SCRIPT = """
math.randomseed(42)
request = function()
  return wrk.format("GET", string.format("%s&device=bench-device-%08d", wrk.path, math.random(1, 1000000)))
end
"""


def package(app_id: str, version: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps({
            "appId": app_id, "version": version, "pages": ["pages/index.html"], "entryPage": "pages/index.html",
            "jsapis": ["showToast"], "scopes": [], "domains": {}, "minClientVersion": "5.0.0",
        }))
        zf.writestr("pages/index.html", "<html><body>branches</body></html>")
        zf.writestr("app.js", "sa.showToast({title: 'hi'})")
    return buffer.getvalue()


async def seed(environ: dict[str, str]) -> str:
    from identity.roles import Role
    from miniprogram_host import lifecycle, registry
    from miniprogram_host.actors import Actor
    from infra import db
    from superapp.runtime import running
    from infra.settings import Settings

    settings = Settings.from_env(environ)
    await db.migrate(settings)
    async with running(settings) as runtime:
        dev_user = await runtime.identity.ensure_user(phone="13800000002", roles=[Role.DEVELOPER])
        reviewer_user = await runtime.identity.ensure_user(phone="13800000004", roles=[Role.REVIEWER, Role.OPERATOR])
        dev = Actor(dev_user.id, frozenset({Role.DEVELOPER}))
        reviewer = Actor(reviewer_user.id, frozenset({Role.REVIEWER, Role.OPERATOR}))
        org = await registry.create_org(actor=dev, name="Bench Partner")
        app, _ = await registry.register_app(actor=dev, org_id=org.id, name="Bench", category="finance", description="")
        host, refresh = runtime.miniprograms, runtime.miniprograms.releases.refresh
        for version in ("1.0.0", "2.0.0"):
            await host.upload(app=app, archive=package(app.app_id, version), actor=dev)
            await lifecycle.submit(actor=dev, app_id=app.app_id, version=version)
            await lifecycle.approve(actor=reviewer, app_id=app.app_id, version=version)
            if version == "1.0.0":
                await lifecycle.release(actor=reviewer, app_id=app.app_id, version="1.0.0", refresh=refresh)
        await lifecycle.start_gray(actor=reviewer, app_id=app.app_id, version="2.0.0", percent=30, whitelist=[],
                                   platforms=[], min_client_version=None, max_client_version=None, refresh=refresh)
        return app.app_id


async def run_python(url: str, seconds: int, connections: int, vary_device: bool) -> dict:
    import httpx

    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds

    async def worker(n: int, http: httpx.AsyncClient) -> None:
        nonlocal errors
        i = 0
        while time.monotonic() < stop:
            i += 1
            target = f"{url}&device=bench-device-{n:04d}{i:06d}" if vary_device else url
            started = time.perf_counter()
            response = await http.get(target)
            latencies.append((time.perf_counter() - started) * 1000)
            errors += response.status_code != 200

    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=connections)) as http:
        await asyncio.gather(*(worker(n, http) for n in range(connections)))
    latencies.sort()
    return {"rps": len(latencies) / seconds, "p50": latencies[len(latencies) // 2],
            "p99": latencies[int(len(latencies) * 0.99)], "errors": errors}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mp-bench-") as tmp:
        environ = {**os.environ, "SUPERAPP_DATA_DIR": tmp, "LOG_LEVEL": "WARNING"}
        for name in ("DATABASE_URL", "REDIS_URL"):
            environ.pop(name, None)
        app_id = asyncio.run(seed(environ))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "superapp"), "serve", "--port", str(port), "--no-migrate"],
            env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            wait_ready(base, server)
            resolve_url = f"{base}/mp/resolve/{app_id}?platform=ios&clientVersion=6.0.0"
            static_url = f"{base}/static/index.html"
            import httpx

            warm = httpx.get(resolve_url + "&device=bench-warmup-0001").json()
            assert warm["status"] == "OK", warm
            use_wrk = shutil.which("wrk") is not None
            script = Path(tmp) / "vary.lua"
            script.write_text(WRK_SCRIPT)
            # Alternate the two in rounds, so drift in the shared machine's load hits both.
            rounds: list[dict] = []
            for _ in range(args.rounds):
                results = {}
                for name, url, vary in (("static file", static_url, False), ("resolution", resolve_url, True)):
                    if use_wrk:
                        results[name] = run_wrk(url, args.seconds, args.connections, script if vary else None)
                    else:
                        results[name] = asyncio.run(run_python(url, args.seconds, args.connections, vary))
                rounds.append(results)
        finally:
            server.terminate()
            server.wait(timeout=30)
    load = "wrk -t2" if use_wrk else "python httpx"
    print(f"load: {load}, {args.connections} connections, {args.rounds} rounds of {args.seconds} s each, "
          "one uvicorn worker, embedded Redis, loopback")
    for i, results in enumerate(rounds, 1):
        for name, r in results.items():
            print(f"round {i} {name:<12} {r['rps']:>7.0f} req/s   p50 {r['p50']:6.2f} ms   p99 {r['p99']:6.2f} ms"
                  f"   non-2xx {r['errors']}")
    total = {name: sum(r[name]["rps"] for r in rounds) for name in ("static file", "resolution")}
    print(f"ratio resolution/static over all rounds: {total['resolution'] / total['static file']:.2f} (target >= 0.50)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
