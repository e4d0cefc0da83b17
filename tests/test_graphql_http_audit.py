"""The reference GraphQL-over-HTTP audit (npm `graphql-http`, its serverAudits) against a real server.

`scripts/test` installs it with `npm ci` in tests/js. The audit's own requests query
`__type`, so the server it audits has GRAPHQL_INTROSPECTION on; everything else is the
production configuration.
"""

import asyncio
import json
import subprocess

from tests.servers import ROOT, server

AUDIT = ROOT / "tests" / "js" / "graphql_http_audit.mjs"


async def run_audit(url: str) -> list[dict]:
    assert (ROOT / "tests" / "js" / "node_modules" / "graphql-http").is_dir(), "run `npm ci` in tests/js (scripts/test does)"
    process = await asyncio.create_subprocess_exec(
        "node", str(AUDIT), url, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=AUDIT.parent,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return json.loads(out)


async def test_graphql_http_audit_passes_without_errors_or_warnings(environ, app):
    environ["GRAPHQL_INTROSPECTION"] = "true"
    async with server(environ) as running:
        results = await run_audit(f"{running.base}/graphql")
    failed = [result for result in results if result["status"] != "ok"]
    assert failed == [], json.dumps(failed, indent=1)
    assert len(results) >= 61  # every audit of graphql-http 1.23 ran
