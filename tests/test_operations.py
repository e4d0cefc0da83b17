"""What operators rely on: health, readiness, metrics, request ids, and logs without PII."""

import json

from superapp.app import create_app
from infra.settings import Settings


async def test_health_and_readiness(client):
    assert (await client.get("/healthz")).json()["status"] == "ok"
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"ready": True, "checks": {"database": True, "redis": True}}


async def test_readiness_fails_when_redis_is_gone(client, runtime):
    await runtime.redis.aclose()
    await runtime.redis.connection_pool.disconnect()
    runtime.redis_handle.client = type(runtime.redis).from_url("redis://127.0.0.1:1/0")
    ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": True, "redis": False}


async def test_metrics_count_operations_by_name(environ, sign_in_with):
    environ["METRICS_TOKEN"] = "scraper-token-for-tests"
    gql, _ = await sign_in_with()
    session = await sign_in_with.sign_in()
    await gql("query HomeScreen { me { id } }", token=session.access_token)
    text = (await gql.http.get("/metrics", headers={"authorization": "Bearer scraper-token-for-tests"})).text
    assert 'graphql_operations_total{operation="HomeScreen",outcome="ok",type="query"}' in text
    assert 'graphql_operation_seconds_bucket{le="0.002",operation="HomeScreen",type="query"}' in text
    assert 'http_requests_total{method="POST",route="/graphql",status="200"}' in text


async def test_metrics_are_refused_without_a_configured_token(client):
    response = await client.get("/metrics")
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "METRICS_DISABLED"
    assert "http_requests_total" not in response.text


async def test_metrics_need_the_configured_token(environ, start_app):
    environ["METRICS_TOKEN"] = "scraper-token-for-tests"
    gql, _ = await start_app()
    for headers in ({}, {"authorization": "Bearer wrong-token"}, {"authorization": "scraper-token-for-tests"}):
        refused = await gql.http.get("/metrics", headers=headers)
        assert refused.status_code == 401, headers
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert "http_requests_total" not in refused.text
    allowed = await gql.http.get("/metrics", headers={"authorization": "Bearer scraper-token-for-tests"})
    assert allowed.status_code == 200
    assert "http_requests_total" in allowed.text


async def test_every_response_carries_a_request_id(client):
    generated = await client.get("/healthz")
    assert len(generated.headers["x-request-id"]) == 32
    echoed = await client.get("/healthz", headers={"x-request-id": "ios-7f3a9c2e-0001"})
    assert echoed.headers["x-request-id"] == "ios-7f3a9c2e-0001"
    hostile = await client.get("/healthz", headers={"x-request-id": "bad id\r\ninjected"})
    assert hostile.headers["x-request-id"] != "bad id\r\ninjected"


async def test_logs_are_json_with_request_id_and_no_phone_or_token(environ, capfd, sign_in_with):
    environ["LOG_LEVEL"] = "INFO"
    gql, runtime = await sign_in_with()
    capfd.readouterr()
    phone = "13987654321"
    session = await sign_in_with.sign_in(phone)
    response = await gql.post({"query": "{ me { id } }"}, token=session.access_token,
                              headers={"x-request-id": "trace-me-12345678"})
    assert response.status_code == 200
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    assert any(line.get("request_id") == "trace-me-12345678" and line["msg"] == "request" for line in lines)
    everything = json.dumps(lines, ensure_ascii=False)
    assert phone not in everything
    assert session.access_token not in everything and session.refresh_token not in everything


def test_malformed_setting_is_named_at_startup(capsys):
    from superapp.cli import main

    exit_code = main_with_env(main, {"ACCESS_TOKEN_SECONDS": "fifteen minutes"})
    assert exit_code == 2
    assert "ACCESS_TOKEN_SECONDS" in capsys.readouterr().err


def test_settings_are_read_at_app_creation_not_import():
    import pytest

    from infra.settings import SettingsError

    with pytest.raises(SettingsError, match="DATABASE_URL"):
        create_app(Settings.from_env({"DATABASE_URL": "mysql://nope"}))
    with pytest.raises(SettingsError, match="PII_KEYS"):
        Settings.from_env({"PII_KEYS": "k1:tooshort"})


def main_with_env(main, overrides: dict) -> int:
    """Run the CLI with extra environment variables, restoring the environment after."""
    import os

    saved = {k: os.environ.get(k) for k in overrides}
    os.environ.update(overrides)
    try:
        return main(["migrate"])
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
