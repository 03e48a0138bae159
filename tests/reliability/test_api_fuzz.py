"""schemathesis walks the live OpenAPI schema with a real token: no server error, and no
response that breaks the schema it is documented by.

The schemathesis CLI runs as its own process against pytest-django's live server, so the
requests go over real HTTP through the whole stack (auth, middleware, error handler).
The data is the Desk scenario (two trusts, a strike, bookings assessed and decided, a
notice), so read endpoints return real rows, not only empty lists.
"""

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from xml.etree import ElementTree

import pytest
from rest_framework.authtoken.models import Token

from appointments.notices import notices_generate
from strikes.services import Selection, impacts_decide
from tests.factories import UserFactory
from tests.strikes.desk import BEFORE, Desk

# PostgreSQL only: it is where bad input meets the strictest column types (a NUL in text,
# an offset past 15:59), and one run of a few minutes is enough.
pytestmark = [pytest.mark.slow, pytest.mark.postgres]

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)
EXAMPLES_PER_OPERATION = int(os.environ.get("STRIKEDESK_FUZZ_EXAMPLES", "25"))


def _scenario() -> Desk:
    desk = Desk()
    for _ in range(3):
        desk.book()
        desk.book(site=desk.other_site)
    desk.assess()
    impacts_decide(
        strike=desk.strike,
        outcome="postponed",
        selection=Selection(trust=desk.trust.ods_code),
        actor=desk.ops,
        now=BEFORE,
    )
    notices_generate(now=BEFORE, strike=desk.strike, actor=None, early=True)
    return desk


def _schemathesis(base_url: str, token: str, report: Path) -> subprocess.CompletedProcess:
    st = Path(sys.executable).with_name("st")
    return subprocess.run(
        [
            str(st),
            "run",
            f"{base_url}/api/schema/",
            "--header",
            f"Authorization: Token {token}",
            "--checks",
            CHECKS,
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            str(EXAMPLES_PER_OPERATION),
            "--workers",
            "1",
            "--seed",
            "20261123",
            "--generation-database",
            "none",
            "--request-timeout",
            "30",
            "--report",
            "junit",
            "--report-junit-path",
            str(report),
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        cwd=report.parent,  # schemathesis keeps a .schemathesis/ folder where it runs
    )


def _operation_count(base_url: str) -> int:
    request = urllib.request.Request(  # noqa: S310 (the live server's own address)
        f"{base_url}/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        schema = json.load(response)
    methods = {"get", "post", "put", "patch", "delete"}
    return sum(len(methods & set(item)) for item in schema["paths"].values())


@pytest.mark.parametrize("who", ["national", "operations"])
def test_schemathesis_finds_no_server_error_and_no_schema_break(
    who: str, live_server, transactional_db: None, tmp_path: Path
) -> None:
    desk = _scenario()
    user = UserFactory(is_superuser=True, is_staff=True) if who == "national" else desk.ops
    token, _ = Token.objects.get_or_create(user=user)

    run = _schemathesis(live_server.url, token.key, tmp_path / "junit.xml")

    summary = run.stdout[-6000:]
    assert run.returncode == 0, f"schemathesis found problems:\n{summary}\n{run.stderr[-2000:]}"
    # Guard against a vacuous pass: every documented operation was exercised.
    junit = ElementTree.parse(tmp_path / "junit.xml")  # noqa: S314 (our own run's report)
    tested = junit.getroot().iter("testcase")
    assert len(list(tested)) == _operation_count(live_server.url)
