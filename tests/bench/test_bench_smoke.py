"""The bench's smoke run: every scenario once on 2,000 bookings, so `make bench` cannot rot.

It checks what the bench counted (rows loaded, assessed, postponed, notices created and
sent, bookings imported, the deep page found), never how fast: speed is `make bench`'s
business, on a quiet machine, as ratios against floors measured in the same run.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from bench.database import drop_database

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.wrk, pytest.mark.slow]

SCALE = 2000
SCENARIOS = {
    "assess",
    "decide",
    "generate notices",
    "dispatch",
    "import",
    "peak memory",
    "API list, deep page",
    "strike report",
    "patient check",
}


@pytest.fixture
def bench_database_url():
    """A database of the smoke run's own on the suite's PostgreSQL server, dropped after."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        user += ":" + quote(db["PASSWORD"], safe="")
    server = f"{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    url = f"postgres://{server}/strikedesk_bench_smoke_{uuid.uuid4().hex[:8]}"
    yield url
    drop_database(url)


def test_every_scenario_runs_and_counts_what_it_did(tmp_path, bench_database_url):
    output = tmp_path / "smoke.json"
    env = {
        **os.environ,
        "BENCH_DATABASE_URL": bench_database_url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "BENCH_LOAD_SECONDS": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [sys.executable, "-m", "bench", "--scale", str(SCALE), "--runs", "1"]
    run = subprocess.run(
        [*command, "--output", str(output)],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]

    report = json.loads(output.read_text())
    figures = {figure["scenario"]: figure for figure in report["figures"]}
    assert set(figures) == SCENARIOS
    assert report["dataset"]["appointments"] == SCALE
    assert report["dataset"]["patients"] == SCALE // 2
    assert report["dataset"]["trusts"] == 120
    assert report["dataset"]["participating_trusts"] == 96

    assessed = figures["assess"]["counts"]
    assert assessed["in_strike"] == assessed["exempt"] + assessed["at_risk"] > 0
    assert assessed["rerun_changed"] == 0
    assert figures["decide"]["counts"]["postponed"] == assessed["at_risk"]
    assert figures["decide"]["counts"]["events"] == assessed["at_risk"]
    generated = figures["generate notices"]["counts"]
    assert generated["created"] == assessed["at_risk"]
    assert generated["rerun_created"] == 0
    assert sum(generated["by_channel"].values()) == generated["created"]
    dispatched = figures["dispatch"]["counts"]
    assert dispatched["outbox_files"] == dispatched["notices"] > 0
    # Checked against the import command's own "N created" line by the bench.
    assert figures["import"]["counts"]["rows"] == SCALE
    assert figures["API list, deep page"]["counts"]["row"] == SCALE * 9 // 10
    report_totals = figures["strike report"]["counts"]["totals"]
    assert report_totals["postponed_total"] == assessed["at_risk"]
    assert figures["patient check"]["counts"]["p99_ms"] > 0
    # One import size at this scale: whether memory stays flat is not measured.
    assert figures["peak memory"]["counts"]["flat"] is None
    assert figures["peak memory"]["met"] is None
    for figure in report["figures"]:
        assert figure["runs"], figure["scenario"]
        if figure["scenario"] != "peak memory":
            assert isinstance(figure["met"], bool), figure["scenario"]
