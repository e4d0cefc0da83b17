"""`superapp serve --workers N` runs N processes that share PostgreSQL, Redis and metrics."""

import re

import httpx

from tests.servers import server


async def test_two_workers_serve_one_port_and_report_metrics_together(environ, app):
    environ["METRICS_TOKEN"] = "scraper-token-for-tests"
    async with server(environ, "--workers", "2") as running:
        workers, requests = set(), 0
        while len(workers) < 2 and requests < 300:
            async with httpx.AsyncClient(base_url=running.base) as fresh_connection:
                workers.add((await fresh_connection.get("/healthz")).json()["worker"])
            requests += 1
        assert len(workers) == 2
        async with httpx.AsyncClient(base_url=running.base) as http:
            metrics = (await http.get("/metrics", headers={"authorization": "Bearer scraper-token-for-tests"})).text
        # every worker's requests are counted, whichever worker answers /metrics
        count = re.search(r'http_requests_total\{method="GET",route="/healthz",status="200"\} ([\d.]+)', metrics)
        assert float(count.group(1)) == requests
