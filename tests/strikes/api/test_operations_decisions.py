"""POST /api/v1/strikes/{id}/decisions/: by references or by a filter, who may decide,
and refusals that give nothing away about other trusts' bookings."""

import pytest

from appointments.models import AppointmentEvent, Outcome, Status
from appointments.references import new_booking_reference
from strikes.services import strike_suspend
from tests.api import client_for, error_fields
from tests.factories import MembershipFactory, UserFactory
from trusts.models import Membership

from ..desk import EARLY_SLOT, LATE_SLOT, Desk, state, statuses

pytestmark = pytest.mark.django_db


def decisions_url(desk: Desk) -> str:
    return f"/api/v1/strikes/{desk.strike.public_id}/decisions/"


def decide(client, desk: Desk, body: dict):
    return client.post(decisions_url(desk), body, format="json")


def test_postponing_by_references_moves_the_bookings_and_counts_them(desk):
    first, second = desk.book(), desk.book()
    desk.assess()
    client = client_for(desk.ops)
    # As people type them: lower case, with hyphens.
    typed = [f"{r[:4]}-{r[4:8]}-{r[8:]}".lower() for r in (first.reference, second.reference)]

    response = decide(client, desk, {"outcome": "postponed", "references": typed})

    assert response.status_code == 200
    body = response.json()
    assert (body["changed"], body["unchanged"]) == (2, 0)
    assert (body["skipped_exempt"], body["skipped_locked"]) == (0, 0)
    assert statuses(first, second) == [Status.POSTPONED, Status.POSTPONED]
    assert AppointmentEvent.objects.filter(batch_id=body["batch_id"]).count() == 2

    again = decide(client, desk, {"outcome": "postponed", "references": typed})
    assert (again.json()["changed"], again.json()["unchanged"]) == (0, 2)


def test_a_filter_decides_what_it_may_and_counts_what_it_skipped(desk):
    on_day_one = desk.book(at=EARLY_SLOT)
    second_site = desk.book(at=EARLY_SLOT, site=desk.second_site)
    exempt = desk.book(at=EARLY_SLOT, service=desk.maternity)
    day_two = desk.book(at=LATE_SLOT)
    desk.assess()
    day_one = EARLY_SLOT.date().isoformat()

    response = decide(
        client_for(desk.ops),
        desk,
        {"outcome": "postponed", "where": {"site": desk.site.code.lower(), "date": day_one}},
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["changed"], body["skipped_exempt"], body["skipped_locked"]) == (1, 1, 0)
    assert statuses(on_day_one, second_site, exempt, day_two) == [
        Status.POSTPONED,
        Status.BOOKED,
        Status.BOOKED,
        Status.BOOKED,
    ]


def test_a_filter_naming_the_current_outcome_reverses_decisions(desk):
    booking = desk.book()
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=(booking.reference,))
    response = decide(
        client_for(desk.ops),
        desk,
        {
            "outcome": "going_ahead",
            "where": {"trust": desk.trust.ods_code, "current_outcome": "postponed"},
        },
    )
    assert response.json()["changed"] == 1
    assert desk.impact(booking).outcome == Outcome.GOING_AHEAD
    assert statuses(booking) == [Status.BOOKED]


def test_a_viewer_gets_a_403_and_nothing_changes(desk, viewer):
    booking = desk.book()
    desk.assess()
    before = state()
    for body in (
        {"outcome": "postponed", "references": [booking.reference]},
        {"outcome": "postponed", "where": {"trust": desk.trust.ods_code}},
    ):
        response = decide(client_for(viewer), desk, body)
        assert response.status_code == 403
    assert state() == before


def test_acting_at_one_trust_and_viewing_another_is_a_403_for_the_other(desk, other_ops):
    MembershipFactory(user=other_ops, trust=desk.trust, role=Membership.Role.VIEWER)
    desk.book()
    desk.assess()
    response = decide(
        client_for(other_ops),
        desk,
        {"outcome": "postponed", "where": {"trust": desk.trust.ods_code}},
    )
    assert response.status_code == 403


def test_another_trusts_reference_is_refused_exactly_as_an_unknown_one(desk, other_ops):
    theirs = desk.book()  # trust A's booking; other_ops works at trust B
    desk.assess()
    unknown = new_booking_reference()
    client = client_for(other_ops)
    before = state()

    at_other_trust = decide(
        client, desk, {"outcome": "postponed", "references": [theirs.reference]}
    )
    not_a_booking = decide(client, desk, {"outcome": "postponed", "references": [unknown]})

    assert at_other_trust.status_code == not_a_booking.status_code == 400
    (refusal,) = at_other_trust.json()["errors"]
    (baseline,) = not_a_booking.json()["errors"]
    same_words = baseline["message"].replace(unknown, theirs.reference)
    assert refusal == {**baseline, "message": same_words}
    assert state() == before


def test_a_malformed_reference_is_a_400_on_its_position(desk):
    booking = desk.book()
    desk.assess()
    response = decide(
        client_for(desk.ops),
        desk,
        {"outcome": "postponed", "references": [booking.reference, "NOT-A-REF", booking.reference]},
    )
    assert response.status_code == 400
    assert error_fields(response) == ["references.1"]
    assert statuses(booking) == [Status.BOOKED]


def test_more_than_ten_thousand_references_is_a_400(desk):
    reference = new_booking_reference()
    response = decide(
        client_for(desk.ops), desk, {"outcome": "postponed", "references": [reference] * 10_001}
    )
    assert response.status_code == 400
    assert error_fields(response) == ["references"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"outcome": "cancelled", "references": ["x"]}, ["outcome", "references.0"]),
        ({"references": []}, ["outcome", "references"]),
        ({"outcome": "postponed"}, [None]),
        ({"outcome": "postponed", "references": "ABC"}, ["references"]),
        ({"outcome": "postponed", "where": {}}, ["where"]),
        ({"outcome": "postponed", "where": {"kind": "surgery"}}, ["where.kind"]),
        ({"outcome": "postponed", "where": {"date": "8 July"}}, ["where.date"]),
        ({"outcome": "postponed", "where": {"date": "9999-12-31"}}, ["where.date"]),
        ({"outcome": "postponed", "where": {"priority": "asap"}}, ["where.priority"]),
        ({"outcome": "postponed", "where": {"trust": "ZZZ"}}, ["where.trust"]),
    ],
)
def test_bad_input_is_a_400_naming_the_field(desk, body, fields):
    desk.book()
    desk.assess()
    before = state()
    response = decide(client_for(desk.ops), desk, body)
    assert response.status_code == 400
    assert error_fields(response) == fields
    assert state() == before


def test_references_and_a_filter_together_are_refused(desk):
    booking = desk.book()
    desk.assess()
    response = decide(
        client_for(desk.ops),
        desk,
        {"outcome": "postponed", "references": [booking.reference], "where": {"kind": "inpatient"}},
    )
    assert response.status_code == 400
    assert error_fields(response) == [None]


def test_a_filter_on_another_trust_names_the_field_as_not_among_yours(desk, other_ops):
    response = decide(
        client_for(other_ops),
        desk,
        {"outcome": "postponed", "where": {"trust": desk.trust.ods_code}},
    )
    assert response.status_code == 400
    assert error_fields(response) == ["where.trust"]


def test_a_suspended_strike_takes_no_decisions(desk, national):
    booking = desk.book()
    desk.assess()
    strike_suspend(strike=desk.strike, actor=national)
    response = decide(
        client_for(desk.ops), desk, {"outcome": "postponed", "references": [booking.reference]}
    )
    assert response.status_code == 409
    assert statuses(booking) == [Status.BOOKED]


def test_someone_with_no_trust_gets_a_403(desk):
    booking = desk.book()
    desk.assess()
    response = decide(
        client_for(UserFactory()), desk, {"outcome": "postponed", "references": [booking.reference]}
    )
    assert response.status_code == 403
    assert statuses(booking) == [Status.BOOKED]
