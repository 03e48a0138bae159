"""Volume: 50,000 rows in one request, well under a minute, and not one more."""

import time

import pytest

from appointments.models import Appointment

from .helpers import as_csv, post_csv, post_json, row, stored

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

LIMIT = 50_000


def test_fifty_thousand_rows_in_one_request(client, place):
    rows = [row(place, n, patient=n % 40_000) for n in range(1, LIMIT + 1)]

    started = time.monotonic()
    response = post_json(client, rows)
    first = time.monotonic() - started
    started = time.monotonic()
    again = post_csv(client, as_csv(rows))
    second = time.monotonic() - started

    assert response.status_code == 200, response.json()["errors"][:5]
    assert response.json() == {"created": LIMIT, "updated": 0, "unchanged": 0}
    assert again.json() == {"created": 0, "updated": 0, "unchanged": LIMIT}
    assert Appointment.objects.count() == LIMIT
    print(f"\n50,000 rows: created in {first:.1f} s, re-posted unchanged in {second:.1f} s")
    assert first < 60
    assert second < 60


def test_one_row_more_is_refused_and_nothing_is_written(client, place):
    body = as_csv([row(place, n) for n in range(1, LIMIT + 2)])

    response = post_csv(client, body)

    assert response.status_code == 400
    assert [item["code"] for item in response.json()["errors"]] == ["too_many_rows"]
    assert stored() == (0, 0, 0)
