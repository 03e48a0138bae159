"""/api/v1/strikes/{id}/participations/ and /staff-absences/: a trust's records about a
strike, listed for the user's trusts and upserted by its operations staff and admins."""

import datetime as dt
import threading
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from strikes.models import Participation, StaffAbsence
from tests.api import client_for, error_fields, query_count
from tests.factories import (
    MembershipFactory,
    ParticipationFactory,
    StaffAbsenceFactory,
    StaffGroupFactory,
    TrustFactory,
)
from trusts.models import Membership, StaffGroup

from ..desk import STARTS_AT, Desk

pytestmark = pytest.mark.django_db

DAY_ONE = STARTS_AT.date()  # 8 July; the 48 hours from 07:00 make 8 and 9 July
DAY_TWO = DAY_ONE + dt.timedelta(days=1)


def _url(desk: Desk, what: str) -> str:
    return f"/api/v1/strikes/{desk.strike.public_id}/{what}/"


def _viewer(desk: Desk):
    return MembershipFactory(trust=desk.trust, role=Membership.Role.VIEWER).user


def _rows(model) -> list[tuple]:
    fields = [f.attname for f in model._meta.concrete_fields]
    return sorted(model.objects.values_list(*fields))


# --- Participation ----------------------------------------------------------------------


def test_posting_a_participation_creates_it_then_replaces_it(desk):
    third = TrustFactory()
    MembershipFactory(user=desk.ops, trust=third, role=Membership.Role.ADMIN)
    client = client_for(desk.ops)
    body = {"trust": third.ods_code, "participating": True, "ballot_turnout": 41.5, "note": "x"}

    created = client.post(_url(desk, "participations"), body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json() == body

    updated = client.post(
        _url(desk, "participations"),
        {"trust": third.ods_code, "participating": False},
        format="json",
    )
    assert updated.status_code == 200
    assert updated.json() == {
        "trust": third.ods_code,
        "participating": False,
        "ballot_turnout": None,
        "note": "",
    }
    row = Participation.objects.get(strike=desk.strike, trust=third)
    assert (row.participating, row.ballot_turnout, row.note) == (False, None, "")


def test_participations_list_only_the_users_trusts(desk, national):
    ours = client_for(desk.ops).get(_url(desk, "participations")).json()
    assert [p["trust"] for p in ours["results"]] == [desk.trust.ods_code]
    everyone = client_for(national).get(_url(desk, "participations")).json()["results"]
    assert {p["trust"] for p in everyone} == {desk.trust.ods_code, desk.other_trust.ods_code}
    filtered = client_for(national).get(
        _url(desk, "participations"), {"trust": desk.other_trust.ods_code}
    )
    assert [p["trust"] for p in filtered.json()["results"]] == [desk.other_trust.ods_code]


def test_a_viewer_cannot_record_participation(desk):
    before = _rows(Participation)
    response = client_for(_viewer(desk)).post(
        _url(desk, "participations"),
        {"trust": desk.trust.ods_code, "participating": False},
        format="json",
    )
    assert response.status_code == 403
    assert desk.trust.ods_code in response.json()["errors"][0]["message"]
    assert _rows(Participation) == before


@pytest.mark.parametrize("which", ["other", "unknown"])
def test_another_or_unknown_trust_is_a_400_on_trust(desk, which):
    code = desk.other_trust.ods_code if which == "other" else "ZZ9"
    before = _rows(Participation)
    response = client_for(desk.ops).post(
        _url(desk, "participations"), {"trust": code, "participating": False}, format="json"
    )
    assert response.status_code == 400
    assert error_fields(response) == ["trust"]
    assert _rows(Participation) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ballot_turnout": 100.5}, "ballot_turnout"),
        ({"ballot_turnout": -1}, "ballot_turnout"),
        ({"ballot_turnout": "41.555"}, "ballot_turnout"),
        ({"participating": None}, "participating"),
        ({"trust": None}, "trust"),
    ],
)
def test_bad_participation_input_is_a_400_naming_the_field(desk, change, field):
    before = _rows(Participation)
    body = {"trust": desk.trust.ods_code, "participating": True, **change}
    response = client_for(desk.ops).post(_url(desk, "participations"), body, format="json")
    assert response.status_code == 400
    assert error_fields(response) == [field]
    assert _rows(Participation) == before


def test_an_unknown_strike_is_a_404(desk):
    client = client_for(desk.ops)
    for what in ("participations", "staff-absences"):
        url = f"/api/v1/strikes/{uuid.uuid4()}/{what}/"
        assert client.get(url).status_code == 404
        assert client.post(url, {}, format="json").status_code == 404


# --- Staff out --------------------------------------------------------------------------


def test_posting_staff_out_creates_it_then_replaces_the_count(desk):
    client = client_for(desk.ops)
    body = {"trust": desk.trust.ods_code, "date": str(DAY_TWO), "staff_group": "nurses"}

    created = client.post(_url(desk, "staff-absences"), {**body, "count": 120}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json() == {**body, "count": 120}
    updated = client.post(_url(desk, "staff-absences"), {**body, "count": 95}, format="json")
    assert updated.status_code == 200
    assert updated.json()["count"] == 95

    assert StaffAbsence.objects.get().count == 95
    listed = client.get(_url(desk, "staff-absences")).json()["results"]
    assert listed == [{**body, "count": 95}]


def test_a_date_outside_the_strike_is_a_400_listing_its_days(desk):
    day_three = DAY_TWO + dt.timedelta(days=1)  # the walkout's last 7 hours: not a day of it
    response = client_for(desk.ops).post(
        _url(desk, "staff-absences"),
        {"trust": desk.trust.ods_code, "date": str(day_three), "staff_group": "nurses", "count": 1},
        format="json",
    )
    assert response.status_code == 400
    assert error_fields(response) == ["date"]
    message = response.json()["errors"][0]["message"]
    assert str(DAY_ONE) in message
    assert str(DAY_TWO) in message
    assert not StaffAbsence.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"staff_group": "midwives"}, "staff_group", "does not call out midwives"),
        ({"staff_group": "porters"}, "staff_group", "porters"),
        ({"count": -1}, "count", "greater than or equal to 0"),
        ({"date": "8 July"}, "date", "format"),
    ],
)
def test_bad_staff_out_input_is_a_400_naming_the_field(desk, change, field, words):
    StaffGroupFactory(code=StaffGroup.MIDWIVES)
    body = {"trust": desk.trust.ods_code, "date": str(DAY_ONE), "staff_group": "nurses", "count": 3}
    response = client_for(desk.ops).post(
        _url(desk, "staff-absences"), {**body, **change}, format="json"
    )
    assert response.status_code == 400
    assert error_fields(response) == [field]
    assert words in response.json()["errors"][0]["message"]
    assert not StaffAbsence.objects.exists()


def test_staff_out_is_written_by_acting_roles_at_the_users_trusts_only(desk):
    body = {"date": str(DAY_ONE), "staff_group": "nurses", "count": 3}
    viewer = client_for(_viewer(desk))
    response = viewer.post(
        _url(desk, "staff-absences"), {**body, "trust": desk.trust.ods_code}, format="json"
    )
    assert response.status_code == 403
    response = client_for(desk.ops).post(
        _url(desk, "staff-absences"), {**body, "trust": desk.other_trust.ods_code}, format="json"
    )
    assert response.status_code == 400
    assert error_fields(response) == ["trust"]
    assert not StaffAbsence.objects.exists()


def test_staff_out_lists_only_the_users_trusts_and_filters(desk, national):
    StaffGroupFactory(code=StaffGroup.MIDWIVES)
    ours = StaffAbsenceFactory(strike=desk.strike, trust=desk.trust, date=DAY_ONE)
    StaffAbsenceFactory(strike=desk.strike, trust=desk.trust, date=DAY_TWO)
    StaffAbsenceFactory(
        strike=desk.strike, trust=desk.trust, date=DAY_ONE, staff_group_id="midwives"
    )
    StaffAbsenceFactory(strike=desk.strike, trust=desk.other_trust, date=DAY_ONE)
    client = client_for(desk.ops)

    def listed(**params) -> list[tuple]:
        rows = client.get(_url(desk, "staff-absences"), params).json()["results"]
        return [(r["trust"], r["date"], r["staff_group"]) for r in rows]

    assert {trust for trust, _, _ in listed()} == {desk.trust.ods_code}
    assert len(listed()) == 3
    assert listed(date=str(DAY_ONE), staff_group="nurses") == [
        (ours.trust.ods_code, str(DAY_ONE), "nurses")
    ]
    assert listed(trust=desk.other_trust.ods_code) == []
    everyone = client_for(national).get(_url(desk, "staff-absences")).json()["results"]
    assert len(everyone) == 4


@pytest.mark.parametrize("what", ["participations", "staff-absences"])
def test_the_lists_cost_the_same_queries_at_page_size_2_and_50(desk, national, what):
    for _ in range(6):
        trust = TrustFactory()
        ParticipationFactory(strike=desk.strike, trust=trust)
        StaffAbsenceFactory(strike=desk.strike, trust=trust, date=DAY_ONE)
    client = client_for(national)

    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(_url(desk, what), {"page_size": page_size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == min(page_size, 8 if what[0] == "p" else 6)
        return query_count(captured)

    assert queries(2) == queries(50)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("what", ["participations", "staff-absences"])
def test_the_same_upsert_posted_at_once_makes_one_row(what):
    """Four integrations posting the same record at the same moment: one creates it, the
    others find it and update it; none is refused and no duplicate is written."""
    desk = Desk()
    third = TrustFactory()
    MembershipFactory(user=desk.ops, trust=third)
    body = (
        {"trust": third.ods_code, "participating": True}
        if what == "participations"
        else {"trust": third.ods_code, "date": str(DAY_ONE), "staff_group": "nurses", "count": 7}
    )
    clients = [client_for(desk.ops) for _ in range(4)]
    start = threading.Barrier(len(clients))
    codes: list[object] = [None] * len(clients)

    def post(slot: int) -> None:
        try:
            start.wait(timeout=10)
            codes[slot] = clients[slot].post(_url(desk, what), body, format="json").status_code
        except Exception as error:  # reported by the assertion below
            codes[slot] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(codes) == [200, 200, 200, 201], codes  # type: ignore[type-var]
    model = Participation if what == "participations" else StaffAbsence
    assert model.objects.filter(strike=desk.strike, trust=third).count() == 1
