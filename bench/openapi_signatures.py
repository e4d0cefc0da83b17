"""Open-API signature checks per second: HMAC-SHA256 and SM2-with-SM3, in-process and end to end.

    .venv/bin/python bench/openapi_signatures.py [--seconds 3] [--connections 16] [--no-http]

In-process: the verify functions the gateway calls (canonical string + verification) on
one core, over distinct requests. End to end: ``superapp serve`` in embedded mode (SQLite +
the app's own Redis) in a temporary data dir, one uvicorn worker; a Python client sends
signed GET /openapi/v1/payments/<unknown id> with a valid token, so each request passes
every check (headers, app, timestamp, signature, nonce, token, rate, quota) and ends in the
endpoint's 404 PAYMENT_NOT_FOUND. SM2 requests are signed before the clock starts (signing
costs as much as verifying). /healthz on the same server is the floor for comparison. A second
app has an encryption key: the same HMAC-signed GETs get their 404 as a digital envelope
(SM2-wrapped SM4-GCM) signed by the bank with SM2, which is the price of sealing an answer.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from mp_resolution import free_port, wait_ready  # noqa: E402

from openplatform.signing import (  # noqa: E402
    canonical_request, hmac_key, new_sm2_key_pair, sign_hmac, sign_sm2, verify_hmac, verify_sm2,
)


def _messages(n: int) -> list[tuple[str, str, str, str, bytes]]:
    """Distinct requests: (method, path, timestamp, nonce, body)."""
    now = str(int(time.time()))
    return [("POST", f"/openapi/v1/payments/pay_{i:06d}/refunds", now, secrets.token_hex(16),
             f'{{"amountFen": {i + 1}, "reason": "bench"}}'.encode()) for i in range(n)]


def in_process(seconds: float) -> dict[str, float]:
    key = hmac_key("sk_" + secrets.token_urlsafe(32))
    private, public = new_sm2_key_pair()
    results = {}
    for name, count in (("HMAC-SHA256", 5000), ("SM2-SM3", 2000)):
        requests = _messages(count)
        signed = []
        for method, path, ts, nonce, body in requests:
            message = canonical_request(method=method, path=path, timestamp=ts, nonce=nonce, body=body)
            signature = sign_hmac(key, message) if name == "HMAC-SHA256" else sign_sm2(private, public, message)
            signed.append((method, path, ts, nonce, body, signature))
        done, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            for method, path, ts, nonce, body, signature in signed:
                message = canonical_request(method=method, path=path, timestamp=ts, nonce=nonce, body=body)
                ok = verify_hmac(key, message, signature) if name == "HMAC-SHA256" else verify_sm2(public, message, signature)
                assert ok
                done += 1
                if time.perf_counter() - started >= seconds:
                    break
        results[name] = done / (time.perf_counter() - started)
    return results


async def seed(environ: dict[str, str]) -> tuple[str, str, str, str, str, tuple[str, str, str]]:
    from identity.roles import Role
    from miniprogram_host import registry
    from miniprogram_host.actors import Actor
    from openplatform import apps
    from infra import db
    from superapp.runtime import running
    from infra.settings import Settings

    settings = Settings.from_env(environ)
    await db.migrate(settings)
    private, public = new_sm2_key_pair()
    async with running(settings) as runtime:
        user = await runtime.identity.ensure_user(phone="13800000002", roles=[Role.DEVELOPER])
        dev = Actor(user.id, frozenset({Role.DEVELOPER}))
        org = await registry.create_org(actor=dev, name="Bench Partner")
        app, secret = await registry.register_app(actor=dev, org_id=org.id, name="Bench", category="finance",
                                                  description="")
        await apps.register_sm2_key(actor=dev, app_id=app.app_id, public_key=public)
        token = await runtime.openplatform.tokens.issue(app_id=app.app_id)
        sealed, sealed_secret = await registry.register_app(actor=dev, org_id=org.id, name="Bench sealed",
                                                            category="finance", description="")
        await apps.register_encryption_key(actor=dev, app_id=sealed.app_id, public_key=new_sm2_key_pair()[1])
        sealed_token = await runtime.openplatform.tokens.issue(app_id=sealed.app_id)
        return (app.app_id, secret, token.token, private, public,
                (sealed.app_id, sealed_secret, sealed_token.token))


async def load(base: str, seconds: float, connections: int, make_request) -> dict:
    import httpx

    latencies: list[float] = []
    codes: dict[str, int] = {}
    stop = time.monotonic() + seconds

    async def worker(http: httpx.AsyncClient) -> None:
        while time.monotonic() < stop:
            request = make_request()
            if request is None:
                return
            path, headers = request
            started = time.perf_counter()
            response = await http.get(base + path, headers=headers)
            latencies.append((time.perf_counter() - started) * 1000)
            if "x-superapp-envelope" in response.headers:
                code = f"sealed {response.status_code}"
            else:
                code = response.json().get("error", {}).get("code", "OK") if response.status_code != 200 else "OK"
            codes[code] = codes.get(code, 0) + 1

    started = time.perf_counter()
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=connections)) as http:
        await asyncio.gather(*(worker(http) for _ in range(connections)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"rps": len(latencies) / elapsed, "p50": latencies[len(latencies) // 2],
            "p99": latencies[int(len(latencies) * 0.99)], "codes": codes, "n": len(latencies)}


def end_to_end(seconds: float, connections: int) -> dict[str, dict]:
    from openplatform.partner import signed_headers

    with tempfile.TemporaryDirectory(prefix="openapi-bench-") as tmp:
        environ = {**os.environ, "SUPERAPP_DATA_DIR": tmp, "LOG_LEVEL": "WARNING",
                   "OPENAPI_RATE_PER_SECOND": "1000000", "OPENAPI_SM2_VERIFICATIONS_PER_SECOND": "1000000", "OPENAPI_DAILY_QUOTA": "100000000"}
        for name in ("DATABASE_URL", "REDIS_URL"):
            environ.pop(name, None)
        app_id, secret, token, private, public, (sealed_app, sealed_secret, sealed_token) = asyncio.run(seed(environ))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "superapp"), "serve", "--port", str(port), "--no-migrate"],
            env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        path = "/openapi/v1/payments/pay_bench_unknown"
        try:
            wait_ready(base, server)

            def hmac_request():
                return path, signed_headers(app_id=app_id, method="GET", path=path, app_secret=secret,
                                            access_token=token)

            def sealed_request():
                return path, signed_headers(app_id=sealed_app, method="GET", path=path, app_secret=sealed_secret,
                                            access_token=sealed_token)

            presigned = [(path, signed_headers(app_id=app_id, method="GET", path=path, sm2_private_key=private,
                                               sm2_public_key=public, access_token=token))
                         for _ in range(int(seconds * 120))]
            sm2_requests = iter(presigned)
            results = {
                "/healthz (no checks)": asyncio.run(load(base, seconds, connections, lambda: ("/healthz", {}))),
                "HMAC-SHA256 signed": asyncio.run(load(base, seconds, connections, hmac_request)),
                "SM2-SM3 signed": asyncio.run(load(base, seconds, connections, lambda: next(sm2_requests, None))),
                "HMAC signed, sealed answer": asyncio.run(load(base, seconds, connections, sealed_request)),
            }
        finally:
            server.terminate()
            server.wait(timeout=30)
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--no-http", action="store_true", help="only the in-process verification figures")
    args = parser.parse_args()
    print(f"in-process verification, one core, {args.seconds:g} s each (canonical string + verify):")
    for name, rate in in_process(args.seconds).items():
        print(f"  {name:<12} {rate:>10.0f} verifications/s   {1000 / rate:8.3f} ms each")
    if not args.no_http:
        print(f"end to end: superapp serve (one uvicorn worker, embedded SQLite + Redis), "
              f"python httpx client, {args.connections} connections, {args.seconds:g} s each:")
        for name, r in end_to_end(args.seconds, args.connections).items():
            print(f"  {name:<26} {r['rps']:>7.0f} req/s   p50 {r['p50']:7.2f} ms   p99 {r['p99']:7.2f} ms   "
                  f"n={r['n']}   answers {r['codes']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
