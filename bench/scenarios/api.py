"""The REST API in-process (Django's test client, the whole middleware and DRF stack, no
network): the bookings list at its first page and at the page holding row 900,000 of a
million (90% of the way through at any scale), and the national strike's report."""

import base64
import json
import statistics

from django.test import Client
from rest_framework.authtoken.models import Token

from appointments.models import Appointment
from strikes.models import Strike

from ..measure import LOWER_IS_BETTER, Figure, timed
from . import Context, sql
from .strike_work import national_user

REQUESTS = 30  # per run: each figure is the median request of the median run
DEEP_SHARE = 0.9
LIST = "/api/v1/appointments/"


def api(context: Context, strike: Strike) -> list[Figure]:
    token, _ = Token.objects.get_or_create(user=national_user())
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    total = Appointment.objects.count()
    deep_row = int(total * DEEP_SHARE)
    cursor = _cursor_before(deep_row)
    first = _timed_get(client, LIST, context.runs)
    deep = _timed_get(client, f"{LIST}?cursor={cursor}", context.runs)
    page = client.get(f"{LIST}?cursor={cursor}").json()["results"]
    if not page or page[0]["reference"] != _reference_at(deep_row):
        raise AssertionError(f"the deep page does not start at row {deep_row:,}")

    listing = Figure(
        scenario="API list, deep page",
        measures=f"GET {LIST} at row {deep_row:,} of {total:,} (cursor), 100 rows",
        unit="ms",
        better=LOWER_IS_BETTER,
        runs=deep,
        floor="the same list's first page",
        floor_runs=first,
        target="<= 1.5 x first page, each <= 50 ms",
        counts={"first_page_ms": round(statistics.median(first), 2), "row": deep_row},
    )
    listing.met = (
        listing.ratio is not None
        and listing.ratio <= 1.5
        and listing.value <= 50
        and statistics.median(first) <= 50
    )

    report_url = f"/api/v1/strikes/{strike.public_id}/report/"
    report = Figure(
        scenario="strike report",
        measures=f"GET {report_url.replace(str(strike.public_id), '{id}')} (national strike)",
        unit="ms",
        better=LOWER_IS_BETTER,
        runs=_timed_get(client, report_url, context.runs, requests=10),
        floor="one GROUP BY of the strike's impacts by trust, kind and outcome",
        floor_runs=_report_floor(strike, context.runs),
        target="<= 500 ms",
    )
    body = client.get(report_url).json()
    report.counts = {
        "trusts": len(body["rows"]),
        "days": len(body["days"]),
        "totals": body["totals"],
    }
    report.met = report.value <= 500
    return [listing, report]


def _timed_get(client: Client, url: str, runs: int, *, requests: int = REQUESTS) -> list[float]:
    """Per run, the median of ``requests`` requests, in milliseconds."""
    medians = []
    client.get(url)  # the first request warms the process: imports, the URL resolver
    for _ in range(runs):
        times = []
        for _ in range(requests):
            elapsed, response = timed(lambda: client.get(url))
            if response.status_code != 200:
                raise AssertionError(f"GET {url} answered {response.status_code}")
            times.append(elapsed * 1000)
        medians.append(statistics.median(times))
    return medians


def _cursor_before(row: int) -> str:
    """The cursor the API hands out for the page starting at ``row`` (0-based) of the
    list's order, as a client walking every page would hold on reaching it."""
    before = Appointment.objects.order_by("starts_at", "id").values_list("starts_at", "id")[row - 1]
    token = json.dumps({"p": [before[0].isoformat(), before[1]], "b": False}, separators=(",", ":"))
    return base64.urlsafe_b64encode(token.encode()).decode()


def _reference_at(row: int) -> str:
    return Appointment.objects.order_by("starts_at", "id").values_list("reference", flat=True)[row]


def _report_floor(strike: Strike, runs: int) -> list[float]:
    statement = """
        SELECT a.trust_id, a.kind, i.outcome, count(*)
        FROM appointments_strikeimpact i JOIN appointments_appointment a ON a.id = i.appointment_id
        WHERE i.strike_id = %s GROUP BY 1, 2, 3
    """
    medians = []
    for _ in range(runs):
        times = [timed(lambda: sql(statement, [strike.pk]))[0] * 1000 for _ in range(10)]
        medians.append(statistics.median(times))
    return medians
