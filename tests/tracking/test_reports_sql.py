"""The reports computed in SQL give the answers the Python aggregation gave, on PostgreSQL and
on SQLite, over windows that cut hours, four zones (one on half hours) and every app scope."""

from __future__ import annotations

import shutil
import subprocess
import sys

import orjson
from tortoise import connections

from tests import conftest as harness
from tests.servers import ROOT
from tests.tracking import report_oracle

COMPARISONS = 4 * 4 * 10  # windows x app scopes x reports


async def test_sql_reports_agree_with_the_python_aggregation_on_postgresql(runtime):
    # given a week of generated events stored by the worker's storing step, some sent twice
    await report_oracle.store(report_oracle.generated_batches())

    # when every report is asked in SQL and in the old aggregation
    outcome = await report_oracle.compare()

    # then they agree, on data that is there
    assert outcome["differences"] == []
    assert outcome["checked"] == COMPARISONS
    assert _each_report_counted_something(outcome)


async def test_the_rollup_counts_each_stored_event_once(runtime):
    await report_oracle.store(report_oracle.generated_batches())

    client = connections.get("default")
    stored = (await client.execute_query_dict("SELECT COUNT(*) AS n FROM tracking_event"))[0]["n"]
    rolled = (await client.execute_query_dict("SELECT SUM(events) AS n FROM tracking_hourly"))[0]["n"]

    assert rolled == stored == 6000 + 80


def test_sql_reports_agree_with_the_python_aggregation_on_sqlite(tmp_path):
    shutil.copytree(harness.migrated_data_dir(), tmp_path / "var")  # the oracle's migrate finds nothing to do
    done = subprocess.run([sys.executable, "-m", "tests.tracking.report_oracle", str(tmp_path / "var")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = orjson.loads(done.stdout.strip().splitlines()[-1])

    assert outcome["differences"] == []
    assert outcome["checked"] == COMPARISONS
    assert _each_report_counted_something(outcome)


def _each_report_counted_something(outcome: dict) -> bool:
    answered = outcome["answered"]
    return len(answered) == 8 and all(total > 100 for total in answered.values())
