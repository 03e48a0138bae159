"""/api/v1/strikes/ and /api/v1/strikes/{id}/: national facts, read by anyone signed in,
announced and changed by national administrators, moved through their life by PATCH."""

import datetime as dt
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Outcome, Status
from strikes.models import Strike, StrikeStatus, StrikeStatusChange
from tests.api import client_for, error_fields, query_count
from tests.factories import MembershipFactory, ServiceFactory, StrikeFactory, UserFactory
from trusts.models import Membership

from ..desk import STARTS_AT, Desk, state, statuses

pytestmark = pytest.mark.django_db

NEW_STRIKE = {
    "title": "RCN nurses' strike",
    "unions": ["RCN", "RCN"],
    "staff_groups": ["nurses"],
    "starts_at": "2031-07-08T06:00:00Z",  # 07:00 in London (BST)
    "ends_at": "2031-07-10T07:00:00+01:00",
    "exempt_services": ["maternity"],
    "notice_lead_days": 5,
}


@pytest.fixture
def maternity():
    return ServiceFactory(code="maternity")


def _user_with(codename: str):
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def _moved(desk: Desk, client, to: str):
    return client.patch(f"/api/v1/strikes/{desk.strike.public_id}/", {"status": to}, format="json")


# --- Announcing and reading -------------------------------------------------------------


def test_a_national_user_announces_a_strike_and_reads_it_back(national, maternity):
    client = client_for(national)
    response = client.post("/api/v1/strikes/", NEW_STRIKE, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    strike = Strike.objects.get()
    assert body == {
        "id": str(strike.public_id),
        "title": "RCN nurses' strike",
        "unions": ["RCN"],
        "staff_groups": ["nurses"],
        "starts_at": "2031-07-08T07:00:00+01:00",
        "ends_at": "2031-07-10T07:00:00+01:00",
        "status": "announced",
        "emergency_care_only": False,
        "protect_urgent": True,
        "exempt_services": ["maternity"],
        "notice_lead_days": 5,
        "send_going_ahead_notices": False,
    }
    assert strike.starts_at == dt.datetime(2031, 7, 8, 6, 0, tzinfo=dt.UTC)
    assert list(strike.unions.values_list("code", flat=True)) == ["RCN"]
    assert client.get(f"/api/v1/strikes/{strike.public_id}/").json() == body
    assert client.get("/api/v1/strikes/").json() == [body]


def test_every_signed_in_user_reads_every_strike_newest_first(desk):
    older = StrikeFactory(starts_at=STARTS_AT - dt.timedelta(days=90))
    viewer = MembershipFactory(role=Membership.Role.VIEWER).user  # of an unrelated trust
    client = client_for(viewer)

    listed = client.get("/api/v1/strikes/").json()
    assert [s["id"] for s in listed] == [str(desk.strike.public_id), str(older.public_id)]
    assert client.get(f"/api/v1/strikes/{older.public_id}/").status_code == 200


def test_an_unknown_or_malformed_strike_id_is_a_404(national):
    client = client_for(national)
    assert client.get(f"/api/v1/strikes/{uuid.uuid4()}/").status_code == 404
    response = client.get("/api/v1/strikes/not-a-uuid/")
    assert response.status_code == 404
    assert error_fields(response) == [None]


def test_the_list_filters_by_status_and_start(desk):
    later = StrikeFactory(starts_at=STARTS_AT + dt.timedelta(days=30), status="confirmed")
    client = client_for(desk.ops)

    def ids(**params):
        return [s["id"] for s in client.get("/api/v1/strikes/", params).json()]

    assert ids(status="confirmed") == [str(later.public_id)]
    assert ids(starts_before=(STARTS_AT + dt.timedelta(days=1)).isoformat()) == [
        str(desk.strike.public_id)
    ]
    assert ids(starts_after=(STARTS_AT + dt.timedelta(days=1)).isoformat()) == [
        str(later.public_id)
    ]
    assert error_fields(client.get("/api/v1/strikes/", {"status": "striking"})) == ["status"]


def test_the_list_costs_the_same_queries_for_2_strikes_as_for_10(national, maternity):
    client = client_for(national)

    def listing_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/strikes/")
        assert response.status_code == 200
        return query_count(queries)

    def add_strikes(count: int) -> None:
        for _ in range(count):
            strike = StrikeFactory()
            strike.unions.add("RCN", "BMA")
            strike.staff_groups.add("nurses")
            strike.exempt_services.add(maternity)

    add_strikes(2)
    two = listing_queries()
    add_strikes(8)
    assert listing_queries() == two


# --- Who may write ----------------------------------------------------------------------


def test_trust_staff_cannot_announce_or_change_a_strike(desk, maternity):
    client = client_for(desk.ops)
    before = Strike.objects.values_list("pk", "title", "status").get()

    response = client.post("/api/v1/strikes/", NEW_STRIKE, format="json")
    assert response.status_code == 403
    assert "national administrators" in response.json()["errors"][0]["message"]
    for change in ({"title": "Renamed"}, {"status": "confirmed"}):
        response = client.patch(f"/api/v1/strikes/{desk.strike.public_id}/", change, format="json")
        assert response.status_code == 403
    assert Strike.objects.values_list("pk", "title", "status").get() == before
    assert not StrikeStatusChange.objects.exists()


def test_the_add_and_change_strike_permissions_are_national_rights(desk, maternity):
    announcer = client_for(_user_with("add_strike"))
    assert announcer.post("/api/v1/strikes/", NEW_STRIKE, format="json").status_code == 201
    url = f"/api/v1/strikes/{desk.strike.public_id}/"
    assert announcer.patch(url, {"title": "x"}, format="json").status_code == 403

    editor = client_for(_user_with("change_strike"))
    assert editor.patch(url, {"title": "Renamed"}, format="json").status_code == 200
    assert editor.patch(url, {"status": "confirmed"}, format="json").json()["status"] == "confirmed"
    assert editor.post("/api/v1/strikes/", NEW_STRIKE, format="json").status_code == 403


# --- Bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"unions": ["RCN", "NUT"]}, "unions", "'NUT'"),
        ({"unions": []}, "unions", "At least one"),
        ({"staff_groups": ["porters"]}, "staff_groups", "'porters'"),
        ({"ends_at": "2031-07-08T05:00:00Z"}, "ends_at", "ends after it starts"),
        ({"ends_at": "2031-07-08T06:00:00Z"}, "ends_at", "ends after it starts"),
        ({"starts_at": "2031-07-08T07:00:00"}, "starts_at", "include a UTC offset"),
        ({"starts_at": "0001-01-01T00:00:00+00:00"}, "starts_at", "from 1948"),
        ({"notice_lead_days": 61}, "notice_lead_days", "60"),
        ({"notice_lead_days": -1}, "notice_lead_days", "0"),
        ({"exempt_services": ["maternity", "knitting"]}, "exempt_services", "'knitting'"),
        ({"status": "confirmed"}, "status", "announced"),
        ({"status": "striking"}, "status", "not a valid choice"),
        ({"title": ""}, "title", "blank"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(
    national, maternity, change, field, words
):
    client = client_for(national)
    response = client.post("/api/v1/strikes/", {**NEW_STRIKE, **change}, format="json")
    assert response.status_code == 400
    assert error_fields(response) == [field]
    assert words in response.json()["errors"][0]["message"]
    assert not Strike.objects.exists()


def test_a_patch_is_checked_against_the_stored_window(desk, national):
    url = f"/api/v1/strikes/{desk.strike.public_id}/"
    before = desk.strike.ends_at
    earlier = (desk.strike.starts_at - dt.timedelta(hours=1)).isoformat()
    response = client_for(national).patch(url, {"ends_at": earlier}, format="json")
    assert response.status_code == 400
    assert error_fields(response) == ["ends_at"]
    assert desk.refresh().ends_at == before


# --- Changing details -------------------------------------------------------------------


def test_a_patch_changes_only_the_fields_sent(desk, national):
    url = f"/api/v1/strikes/{desk.strike.public_id}/"
    new_end = desk.strike.ends_at + dt.timedelta(days=1)
    response = client_for(national).patch(
        url,
        {
            "title": "Extended",
            "ends_at": new_end.isoformat(),
            "exempt_services": ["clinic", "maternity", "clinic"],
            "send_going_ahead_notices": True,
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["title"] == "Extended"
    assert body["exempt_services"] == ["clinic", "maternity"]
    assert body["send_going_ahead_notices"] is True
    assert body["staff_groups"] == ["nurses"]  # untouched
    strike = desk.refresh()
    assert strike.ends_at == new_end
    assert strike.notice_lead_days == 3  # not reset to a default
    assert set(strike.exempt_services.values_list("code", flat=True)) == {"clinic", "maternity"}


def test_changing_the_window_does_not_re_assess_bookings(desk, national):
    booking = desk.book()
    desk.assess()
    later = desk.strike.ends_at + dt.timedelta(days=5)
    response = client_for(national).patch(
        f"/api/v1/strikes/{desk.strike.public_id}/",
        {
            "starts_at": (desk.strike.ends_at + dt.timedelta(days=4)).isoformat(),
            "ends_at": later.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 200
    # The booking is now outside the window but stays at risk until the strike is re-assessed.
    assert desk.impact(booking).outcome == Outcome.AT_RISK


# --- Moving through its life ------------------------------------------------------------


def test_confirm_suspend_and_resume_back_to_confirmed(desk, national):
    client = client_for(national)
    for to in ("confirmed", "suspended", "confirmed"):
        response = _moved(desk, client, to)
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == to
    moves = list(StrikeStatusChange.objects.values_list("from_status", "to_status"))
    assert moves == [
        ("announced", "confirmed"),
        ("confirmed", "suspended"),
        ("suspended", "confirmed"),
    ]


def test_resuming_an_announced_strike_as_confirmed_resumes_then_confirms(desk, national):
    client = client_for(national)
    _moved(desk, client, "suspended")
    assert _moved(desk, client, "confirmed").json()["status"] == "confirmed"
    assert list(StrikeStatusChange.objects.values_list("to_status", flat=True)) == [
        "suspended",
        "announced",
        "confirmed",
    ]


def test_asking_for_the_status_it_has_changes_nothing(desk, national):
    response = _moved(desk, client_for(national), "announced")
    assert response.status_code == 200
    assert not StrikeStatusChange.objects.exists()


def test_calling_off_by_patch_reinstates_postponed_bookings(desk, national):
    postponed = desk.book()
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=(postponed.reference,))
    assert statuses(postponed) == [Status.POSTPONED]

    response = _moved(desk, client_for(national), "called_off")

    assert response.status_code == 200
    assert response.json()["status"] == "called_off"
    assert response.json()["id"] == str(desk.strike.public_id)
    assert statuses(postponed) == [Status.BOOKED]
    assert desk.impact(postponed).reinstated_at is not None
    assert StrikeStatusChange.objects.get().detail["reinstated"] == 1


@pytest.mark.parametrize(
    ("setup", "to", "words"),
    [
        ((), "completed", "once it has ended"),
        (("called_off",), "confirmed", "called off and cannot become confirmed"),
        (("confirmed",), "announced", "cannot become announced"),
        (("confirmed", "suspended"), "announced", "cannot go back to announced"),
    ],
)
def test_a_refused_move_is_a_409_that_changes_nothing(desk, national, setup, to, words):
    client = client_for(national)
    booking = desk.book()
    desk.assess()
    for status in setup:
        assert _moved(desk, client, status).status_code == 200
    before = state()
    title = desk.refresh().title

    response = client.patch(
        f"/api/v1/strikes/{desk.strike.public_id}/",
        {"status": to, "title": "Not saved either"},
        format="json",
    )

    assert response.status_code == 409
    assert error_fields(response) == [None]
    assert words in response.json()["errors"][0]["message"]
    assert state() == before  # no status change recorded, no booking touched
    assert desk.refresh().title == title
    assert desk.impact(booking).outcome == Outcome.AT_RISK


def test_a_new_strike_may_be_posted_as_announced(national, maternity):
    response = client_for(national).post(
        "/api/v1/strikes/", {**NEW_STRIKE, "status": StrikeStatus.ANNOUNCED}, format="json"
    )
    assert response.status_code == 201
    assert not StrikeStatusChange.objects.exists()
