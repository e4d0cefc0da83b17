"""Events in ClickHouse: the worker writes them there too and the reports answer from it,
the same as the Python aggregation over the same events. ClickHouse's own engine runs in
this process (chDB); no ClickHouse server can be installed on this machine kind (Debian's
is from 2018, and no registry it reaches ships a current one), so the clickhouse-connect
path is the same statements sent to a server, untested here."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tortoise import connections

from identity.roles import Role
from tests.tracking import report_oracle
from tests.tracking.support import drain, event, send, utc
from tests.tracking.test_reports_sql import COMPARISONS
from tracking import reports, retention
from tracking.clickhouse import schema, store_for
from tracking.rollups import dialect_of

@pytest.fixture(scope="session")
def chdb_url(tmp_path_factory) -> str:
    # one chDB session per process: every test of the run shares it, each in a database of its own
    return f"chdb://{tmp_path_factory.mktemp('chdb')}"


@pytest.fixture
def analytics(chdb_url, environ, request):
    url = f"{chdb_url}?database=t_{request.node.name[:40]}"
    environ["ANALYTICS_URL"] = url
    return store_for(url)


async def test_reports_from_clickhouse_agree_with_the_python_aggregation(runtime, analytics):
    # given the generated week stored by the worker's storing step, written to ClickHouse too,
    # a resent batch among them
    await report_oracle.store(report_oracle.generated_batches(), analytics=analytics)

    # when every report is answered by ClickHouse, and by the old aggregation from PostgreSQL
    outcome = await report_oracle.compare(store=analytics)

    # then they agree
    assert outcome["differences"] == []
    assert outcome["checked"] == COMPARISONS
    assert len(outcome["answered"]) == 8 and all(total > 100 for total in outcome["answered"].values())


async def test_an_event_stored_twice_counts_once_in_clickhouse(runtime, analytics):
    batches = report_oracle.generated_batches(events=500)
    await report_oracle.store(batches, analytics=analytics)
    # a worker that died after writing to ClickHouse and before committing writes the same rows again
    # (ClickHouse keeps only a hash of each id, so the rows come from PostgreSQL's copy)
    client = connections.get("default")
    again = [tuple(r.values()) for r in await client.execute_query_dict(
        f"SELECT event_id, name, app_id, page, {dialect_of(client).placement('properties')} AS placement,"
        " anonymous_id, user_id, event_ms FROM tracking_event ORDER BY id LIMIT 100")]
    await analytics.write(events=again)

    counted = await analytics.query(f"SELECT count() AS n FROM {analytics.database}.tracking_event FINAL", [])
    raw = await analytics.query(f"SELECT count() AS n FROM {analytics.database}.tracking_event", [])

    assert int(counted[0]["n"]) == 500 + 80  # the events and the identifies, each once
    assert int(raw[0]["n"]) >= 580  # the copies are there until merged, and FINAL folds them


async def test_the_worker_writes_to_clickhouse_and_graphql_reports_from_it(analytics, gql, client, runtime, sign_in):
    operator = await sign_in("13900000001", Role.OPERATOR)
    await send(client, [
        event("$page", page="/home", anonymous_id="device-a", at=utc(2026, 11, 20, 15, 30)),
        event("$page", page="/home", anonymous_id="device-b", at=utc(2026, 11, 20, 15, 40)),
    ])
    await drain(runtime)

    answer = await gql("""{ trackingPageViews(since: "2026-11-01T00:00:00+08:00", until: "2026-11-30T00:00:00+08:00") {
        ... on PageViewsReport { rows { page hour pageViews visitors } } } }""", token=operator.access_token)
    stored = await analytics.query(f"SELECT count() AS n FROM {analytics.database}.tracking_event FINAL", [])

    assert runtime.tracking.analytics is analytics
    assert int(stored[0]["n"]) == 2
    assert answer["data"]["trackingPageViews"]["rows"] == [
        {"page": "/home", "hour": "2026-11-20T23:00:00+08:00", "pageViews": 2, "visitors": 2}]


def test_the_cluster_ddl_replicates_and_distributes():
    statements = schema("superapp", cluster="analytics")

    assert all(" ON CLUSTER 'analytics'" in s for s in statements)
    assert any("ReplicatedReplacingMergeTree" in s and "superapp_local.tracking_event" in s for s in statements)
    assert any("ENGINE = Distributed('analytics', 'superapp_local', 'tracking_event'" in s for s in statements)


async def test_a_report_from_clickhouse_refuses_bad_input_before_asking(analytics):
    win = reports.window(since=utc(2026, 11, 1), until=utc(2026, 11, 2), time_zone="UTC")
    with pytest.raises(reports.InvalidReportInput) as refused:
        await reports.funnel(win=win, apps=None, steps=["$page"], within=reports.timedelta(hours=1), store=analytics)
    assert refused.value.field == "steps"


async def test_the_oracle_hashes_event_ids_as_clickhouse_does(analytics):
    # the funnel's oracle orders one millisecond's events by this hash, as ClickHouse does
    ids = ["", "a", "w1-0001", "abcdefgh", "0123456789abcdef0123456789abcdef", "事件-ü"]
    for event_id in ids:
        rows = await analytics.query("SELECT sipHash64(?) AS h", [event_id])
        assert int(rows[0]["h"]) == report_oracle.sip_hash64(event_id.encode()), event_id


async def test_expiry_drops_the_days_before_the_horizon_in_clickhouse(runtime, analytics):
    # given six days of events in ClickHouse too
    await report_oracle.store(report_oracle.generated_batches(), analytics=analytics)
    day3 = int((report_oracle.START + timedelta(days=3)).timestamp() * 1000)
    count = f"SELECT count() AS n FROM {analytics.database}.tracking_event FINAL WHERE event_ms {{}} ?"
    kept_before = int((await analytics.query(count.format(">="), [day3]))[0]["n"])

    # when expiry runs with the horizon at noon of the fourth day
    horizon = day3 + 12 * 3_600_000
    expired = await retention.expire(retention_days=30, analytics=analytics, now_ms=horizon + 30 * 86_400_000)

    # then the three whole days before it are dropped, partitions and all, and the rest stays
    assert expired.clickhouse_days == 3
    assert int((await analytics.query(count.format("<"), [day3]))[0]["n"]) == 0
    assert int((await analytics.query(count.format(">="), [day3]))[0]["n"]) == kept_before
