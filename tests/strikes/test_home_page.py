import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import ParticipationFactory, StrikeFactory, TrustFactory


@pytest.mark.django_db
def test_home_page_says_attend_as_normal_even_with_no_strikes(client):
    response = client.get("/")

    assert response.status_code == 200
    assert "attend your appointment as normal" in response.text
    assert "No strikes have been recorded." in response.text


@pytest.mark.django_db
def test_home_page_groups_strikes_and_shows_only_participating_trusts(client):
    now = timezone.now()
    taking_part, staying_in = TrustFactory(name="Norwich Trust"), TrustFactory(name="Lynn Trust")
    upcoming = StrikeFactory(title="Nurses next week", starts_at=now + dt.timedelta(days=7))
    ParticipationFactory(strike=upcoming, trust=taking_part, participating=True)
    ParticipationFactory(strike=upcoming, trust=staying_in, participating=False)
    StrikeFactory(
        title="Doctors called off", starts_at=now + dt.timedelta(days=3), status="called_off"
    )
    StrikeFactory(title="Happening now", starts_at=now - dt.timedelta(hours=1))

    page = client.get("/").text

    now_at, coming_at, past_at = (
        page.index(h) for h in ("Happening now</caption>", "Coming up", "Past,")
    )
    assert now_at < coming_at < past_at
    assert coming_at < page.index("Nurses next week") < past_at
    assert page.index("Doctors called off") > past_at, "a called-off strike is not coming up"
    assert "Norwich Trust" in page
    assert "Lynn Trust" not in page


@pytest.mark.django_db
def test_healthz_reports_the_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")
