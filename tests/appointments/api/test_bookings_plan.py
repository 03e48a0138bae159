"""The bookings list at depth on PostgreSQL: a page is an index range scan, not a sort.

The benchmark walks a million bookings; the page at row 900,000 must cost what the
first does. This checks the plan PostgreSQL picks for a deep page over 5,000 bookings,
unfiltered and with filters most rows pass. (A filter few rows pass, such as one site
of many, may rightly be planned as a bitmap scan of that site's remaining bookings and a
sort of them: what is left after the cursor, not what came before it.)
"""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment, Patient
from tests.api import client_for
from tests.factories import next_valid_nhs_number

from .bookings_world import NINE, World

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

COUNT = 5_000


def _nodes(sql: str) -> list[dict]:
    """Every node of the plan PostgreSQL picks for ``sql``."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    found, todo = [], [plan[0]["Plan"]]
    while todo:
        node = todo.pop()
        found.append(node)
        todo += node.get("Plans", [])
    return found


@pytest.fixture
def crowded(world):
    sites = [world.site, world.second_site, world.other_site]
    patients = Patient.objects.bulk_create(
        Patient(
            nhs_number=next_valid_nhs_number(),
            given_name="Sam",
            family_name=f"Crowd{n}",
            date_of_birth=dt.date(1980, 1, 1),
        )
        for n in range(COUNT)
    )
    Appointment.objects.bulk_create(
        Appointment(
            external_id=f"CROWD-{n}",
            patient=patient,
            trust=sites[n % 3].trust,
            site=sites[n % 3],
            service=world.clinic,
            kind="outpatient",
            status="postponed" if n % 20 == 0 else "booked",
            # Eight bookings per slot: ties all the way down.
            starts_at=NINE + dt.timedelta(minutes=15 * (n // 8)),
        )
        for n, patient in enumerate(patients)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return world


@pytest.fixture
def world():
    return World()


@pytest.mark.parametrize(
    ("user", "params"),
    [
        ("national", {}),
        ("ops", {}),
        ("national", {"trust": "ours", "status": "booked"}),
        ("ops", {"starts_after": "2031-03-04T00:00:00+00:00", "kind": "outpatient"}),
    ],
)
def test_a_deep_page_walks_the_start_time_index(crowded, user, params):
    world = crowded
    params = {k: world.trust.ods_code if v == "ours" else v for k, v in params.items()}
    client = client_for(getattr(world, user))
    url = "/api/v1/appointments/"
    # Two pages of 500 in, then a page of 100: a cursor deep in the list.
    walked = client.get(url, {**params, "page_size": 500}).json()
    walked = client.get(walked["next"]).json()
    deep = walked["next"].replace("page_size=500", "page_size=100")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(deep)
    assert page.status_code == 200
    [sql] = [q["sql"] for q in queries.captured_queries if "appointments_appointment" in q["sql"]]
    nodes = _nodes(sql)
    bookings = [n for n in nodes if n.get("Relation Name") == "appointments_appointment"]
    summary = [(n["Node Type"], n.get("Relation Name"), n.get("Index Name")) for n in nodes]
    # Read in page order straight off the (starts_at, id) index, stopped by the LIMIT:
    # no scan of the whole table and no sort of what is left of it.
    assert [(n["Node Type"], n.get("Index Name")) for n in bookings] == [
        ("Index Scan", "appointment_starts_at")
    ], summary
    assert not [n for n in nodes if n["Node Type"] in ("Sort", "Incremental Sort")], summary
    assert "appointments_patient" not in sql  # patients come in their own lookup by id
