"""POST /api/v1/strikes/{id}/assess/: counts per trust, dry runs, who may assess."""

import uuid

import pytest

from appointments.models import StrikeImpact
from strikes.services import strike_call_off
from tests.api import client_for, error_fields
from tests.factories import MembershipFactory, TrustFactory
from trusts.models import Membership

from ..desk import Desk, state

pytestmark = pytest.mark.django_db


def assess_url(desk: Desk) -> str:
    return f"/api/v1/strikes/{desk.strike.public_id}/assess/"


def booked(desk: Desk) -> None:
    """Trust A: two clinic bookings at risk and a maternity one exempt; trust B: one."""
    desk.book()
    desk.book(site=desk.second_site)
    desk.book(service=desk.maternity)
    desk.book(site=desk.other_site)


def counts(in_strike, exempt, at_risk, going_ahead=0, postponed=0) -> dict:
    return {
        "in_strike": in_strike,
        "exempt": exempt,
        "at_risk": at_risk,
        "going_ahead": going_ahead,
        "postponed": postponed,
    }


def test_a_national_assessment_counts_every_trust_and_a_dry_run_repeats_it(desk, national):
    booked(desk)
    client = client_for(national)

    response = client.post(assess_url(desk), {}, format="json")

    assert response.status_code == 200
    expected = {
        **counts(4, 1, 3),
        "dry_run": False,
        "by_trust": sorted(
            [
                {"trust": desk.trust.ods_code, **counts(3, 1, 2)},
                {"trust": desk.other_trust.ods_code, **counts(1, 0, 1)},
            ],
            key=lambda row: row["trust"],
        ),
    }
    assert response.json() == expected
    assert StrikeImpact.objects.filter(strike=desk.strike).count() == 4

    before = state()
    again = client.post(assess_url(desk), {"dry_run": True}, format="json")
    assert again.status_code == 200
    assert again.json() == {**expected, "dry_run": True}
    assert state() == before


def test_a_dry_run_before_any_assessment_predicts_it_and_writes_nothing(desk, viewer):
    booked(desk)
    response = client_for(viewer).post(assess_url(desk), {"dry_run": True}, format="json")
    assert response.status_code == 200
    assert response.json()["in_strike"] == 3  # trust A's bookings only: the viewer's trust
    assert not StrikeImpact.objects.exists()


def test_trust_staff_assess_every_trust_but_see_only_their_own_counts(desk):
    booked(desk)
    response = client_for(desk.ops).post(assess_url(desk), format="json")
    assert response.status_code == 200
    assert response.json() == {
        **counts(3, 1, 2),
        "dry_run": False,
        "by_trust": [{"trust": desk.trust.ods_code, **counts(3, 1, 2)}],
    }
    # The impacts at trust B were written too: an assessment is of the whole strike.
    assert StrikeImpact.objects.filter(appointment__trust=desk.other_trust).count() == 1


def test_decided_bookings_are_counted_by_their_outcome(desk):
    first = desk.book()
    desk.book()
    desk.assess()
    desk.decide("postponed", references=(first.reference,))
    response = client_for(desk.ops).post(assess_url(desk), {"dry_run": True}, format="json")
    assert response.json()["by_trust"] == [
        {"trust": desk.trust.ods_code, **counts(2, 0, 1, postponed=1)}
    ]


def test_a_viewer_may_only_dry_run(desk, viewer):
    booked(desk)
    before = state()
    response = client_for(viewer).post(assess_url(desk), {"dry_run": False}, format="json")
    assert response.status_code == 403
    assert error_fields(response) == [None]
    assert state() == before
    assert not StrikeImpact.objects.exists()


def test_operations_staff_at_a_trust_not_taking_part_may_not_assess(desk):
    outsider = MembershipFactory(trust=TrustFactory(), role=Membership.Role.OPERATIONS).user
    booked(desk)
    response = client_for(outsider).post(assess_url(desk), format="json")
    assert response.status_code == 403
    assert not StrikeImpact.objects.exists()


def test_a_called_off_strike_cannot_be_assessed(desk, national):
    strike_call_off(strike=desk.strike, actor=national)
    response = client_for(national).post(assess_url(desk), format="json")
    assert response.status_code == 409
    assert "called off" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("value", ["perhaps", 0, "false", None])
def test_a_dry_run_that_is_not_a_json_boolean_is_a_400_on_the_field(desk, national, value):
    # "false" or 0 taken for false would start the real run someone meant to try.
    response = client_for(national).post(assess_url(desk), {"dry_run": value}, format="json")
    assert response.status_code == 400
    assert error_fields(response) == ["dry_run"]
    assert not StrikeImpact.objects.exists()


@pytest.mark.parametrize("strike_id", [uuid.uuid4(), "not-a-uuid"])
def test_an_unknown_or_malformed_strike_is_a_404_in_the_error_shape(desk, national, strike_id):
    response = client_for(national).post(f"/api/v1/strikes/{strike_id}/assess/", format="json")
    assert response.status_code == 404
    assert error_fields(response) == [None]


def test_without_a_token_it_is_a_401(desk):
    from rest_framework.test import APIClient

    assert APIClient().post(assess_url(desk), format="json").status_code == 401
