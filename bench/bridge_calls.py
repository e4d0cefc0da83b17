"""Bridge calls with every check on vs the same handler with the checks off, same server, same run.

    .venv/bin/python bench/bridge_calls.py [--seconds 5] [--rounds 3] [--connections 16]

PostgreSQL (a database made for the run, dropped after) and Redis (``BENCH_REDIS_URL``,
default db 12, flushed). One app is released declaring getStorage; one user has a stored
value. One uvicorn worker serves both:

* ``POST /bridge/v1/{app}/getStorage``: resolution snapshot, declared API, rate limits
  (Redis), circuit breaker, timeout, audit record: the real route;
* ``POST /bench/unchecked/{app}/getStorage``: the same body parsing, token check and
  handler (one SELECT), nothing else. It exists only in this benchmark's app.

wrk drives both alternately in rounds. Prints calls/s, p50, p99 and the ratio; the target
is checks costing under 30% of throughput (ratio >= 0.70).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.wrk import run_wrk, server_cpu_seconds, wait_ready  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
CLIENT = {"platform": "h5", "clientVersion": "5.2.0"}


def create_bench_app():
    """The real app plus the unchecked twin route (uvicorn --factory)."""
    from starlette.requests import Request
    from starlette.routing import Route

    from superapp.app import create_app
    from bff.miniprogram_runtime.http import _body, _json, _refused
    from miniprogram_runtime.errors import BridgeRefusal

    async def unchecked(request: Request):
        principal = request.scope.get("principal")
        if principal is None:
            return _json({"error": {"code": "UNAUTHENTICATED"}}, 401)
        bridge = request.app.state.runtime.miniprogram_runtime.bridge
        try:
            body = await _body(request)
            result = await bridge.call_unchecked(
                app_id=request.path_params["app_id"], api=request.path_params["api"], user_id=principal.user_id,
                session_id=principal.session_id, args=body.get("args", {}),
            )
        except BridgeRefusal as refusal:
            return _refused(refusal)
        return _json({"result": result})

    return create_app(extra_routes=[Route("/bench/unchecked/{app_id}/{api}", unchecked, methods=["POST"])])


def manifest_zip(app_id: str) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps({
            "appId": app_id, "version": "1.0.0", "pages": ["pages/index.html"], "entryPage": "pages/index.html",
            "jsapis": ["getStorage", "setStorage"], "scopes": [], "domains": {}, "minClientVersion": "5.0.0",
        }))
        zf.writestr("pages/index.html", "<html><body><script src='../app.js'></script></body></html>")
        zf.writestr("app.js", "sa.getStorage({key: 'cart'}); sa.setStorage({key: 'cart', data: 1});")
    return buffer.getvalue()


async def seed(environ: dict[str, str]) -> tuple[str, str]:
    from identity.roles import Role
    from identity.tokens import AccessTokens
    from miniprogram_host import lifecycle, registry
    from miniprogram_host.actors import Actor
    from infra import db
    from superapp.runtime import running
    from infra.settings import Settings

    settings = Settings.from_env(environ)
    await db.migrate(settings)
    async with running(settings) as runtime:
        await runtime.redis.flushdb()
        dev_user = await runtime.identity.ensure_user(phone="13800000002", roles=[Role.DEVELOPER])
        staff = await runtime.identity.ensure_user(phone="13800000004", roles=[Role.REVIEWER, Role.OPERATOR])
        customer = await runtime.identity.ensure_user(phone="13800000001", roles=[Role.CUSTOMER])
        dev = Actor(dev_user.id, frozenset({Role.DEVELOPER}))
        reviewer = Actor(staff.id, frozenset({Role.REVIEWER, Role.OPERATOR}))
        org = await registry.create_org(actor=dev, name="Bench Partner")
        app, _ = await registry.register_app(actor=dev, org_id=org.id, name="Bench", category="finance", description="")
        host = runtime.miniprograms
        await host.upload(app=app, archive=manifest_zip(app.app_id), actor=dev)
        await lifecycle.submit(actor=dev, app_id=app.app_id, version="1.0.0")
        await lifecycle.approve(actor=reviewer, app_id=app.app_id, version="1.0.0")
        await lifecycle.release(actor=reviewer, app_id=app.app_id, version="1.0.0", refresh=host.releases.refresh)
        await runtime.miniprogram_runtime.bridge.call(
            app_id=app.app_id, api="setStorage", user_id=customer.id, session_id="bench-session",
            args={"key": "cart", "data": {"items": [1, 2, 3], "note": "a small cart"}}, **_client(),
        )
        token = AccessTokens(str(settings.secret_key), ttl_seconds=3600).issue(
            user_id=customer.id, session_id="bench-session", roles=[Role.CUSTOMER.value]
        )
        return app.app_id, token


def _client() -> dict:
    return {"platform": CLIENT["platform"], "client_version": CLIENT["clientVersion"]}


def wrk_script(token: str) -> str:
    body = json.dumps({"args": {"key": "cart"}, **CLIENT})
    return (
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(body)}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
    )


def run_wrk_with_cpu(url: str, seconds: int, connections: int, script: Path, pid: int) -> dict:
    cpu_before = server_cpu_seconds(pid)
    figures = run_wrk(url, seconds, connections, script)
    # The server's CPU per call: steadier than calls/s when other work shares the cores.
    figures["cpu_ms"] = (server_cpu_seconds(pid) - cpu_before) * 1000 / max(figures["requests"], 1)
    return figures


async def admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def main() -> int:
    import httpx

    from tests.servers import free_port

    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    database = f"superapp_bench_bridge_{os.getpid()}"
    asyncio.run(admin(f'CREATE DATABASE "{database}"'))
    try:
        with tempfile.TemporaryDirectory(prefix="bridge-bench-") as tmp:
            environ = {
                **os.environ, "SUPERAPP_DATA_DIR": tmp, "LOG_LEVEL": "WARNING",
                "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}", "REDIS_URL": REDIS_URL,
                "REDIS_DURABILITY": "warn",  # the shared Redis of scripts/test keeps no file
                "SECRET_KEY": "bench-secret", "PII_KEYS": "b1:" + "a" * 43 + "=",
                # The limits are checked on every call; set high so the load itself is never refused.
                "MP_BRIDGE_LIMITS": "getStorage=1000000000/1000000000",
            }
            app_id, token = asyncio.run(seed(environ))
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            server = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "bench.bridge_calls:create_bench_app", "--factory",
                 "--port", str(port), "--log-level", "warning", "--no-access-log"],
                cwd=ROOT, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            try:
                wait_ready(base, server)
                checked_url = f"{base}/bridge/v1/{app_id}/getStorage"
                unchecked_url = f"{base}/bench/unchecked/{app_id}/getStorage"
                headers = {"authorization": f"Bearer {token}"}
                body = {"args": {"key": "cart"}, **CLIENT}
                for url in (checked_url, unchecked_url):
                    answer = httpx.post(url, json=body, headers=headers).json()
                    assert answer["result"]["found"] is True, answer
                script = Path(tmp) / "post.lua"
                script.write_text(wrk_script(token))
                rounds = []
                for _ in range(args.rounds):  # alternate, so drift on the shared cores hits both
                    rounds.append({
                        "checks off": run_wrk_with_cpu(unchecked_url, args.seconds, args.connections, script, server.pid),
                        "checks on": run_wrk_with_cpu(checked_url, args.seconds, args.connections, script, server.pid),
                    })
            finally:
                server.terminate()
                server.wait(timeout=30)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    print(f"getStorage over POST, wrk -t2 -c{args.connections}, {args.rounds} rounds of {args.seconds} s each, "
          "one uvicorn worker, PostgreSQL + Redis on loopback")
    for i, results in enumerate(rounds, 1):
        for name, r in results.items():
            print(f"round {i} {name:<10} {r['rps']:>7.0f} calls/s   p50 {r['p50']:6.2f} ms   p99 {r['p99']:6.2f} ms"
                  f"   server CPU {r['cpu_ms']:.3f} ms/call   non-2xx {r['errors']}")
    total = {name: sum(r[name]["rps"] for r in rounds) for name in ("checks off", "checks on")}
    ratio = total["checks on"] / total["checks off"]
    print(f"ratio checks on/off over all rounds: {ratio:.2f}; the checks cost {(1 - ratio) * 100:.0f}% of throughput"
          " (target < 30%)")
    cpu = {name: sum(r[name]["cpu_ms"] for r in rounds) / len(rounds) for name in ("checks off", "checks on")}
    print(f"server CPU per call: off {cpu['checks off']:.3f} ms, on {cpu['checks on']:.3f} ms; "
          f"throughput at equal CPU would be {cpu['checks off'] / cpu['checks on']:.2f} of unchecked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
