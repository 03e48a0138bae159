"""Which answer a patient gets, for bookings put in each state by the real services."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appointments.models import NoticeStatus, Status
from appointments.services import appointment_reschedule, appointment_update
from appointments.status_check.answers import (
    AnswerState,
    StrikeContext,
    answer_for,
    booking_matching,
)
from strikes.services.assessment import strike_assess
from strikes.services.lifecycle import strike_call_off
from tests.factories import (
    AppointmentFactory,
    NoticeFactory,
    ParticipationFactory,
    StrikeFactory,
)
from tests.strikes.desk import BEFORE, ENDS_AT, LATE_SLOT, STARTS_AT

from .conftest import DATE_OF_BIRTH, book


def answer(booking):
    return answer_for(appointment_id=booking.pk)


def test_a_booking_no_strike_touches_is_going_ahead_with_its_details(db):
    booking = AppointmentFactory(patient__date_of_birth=DATE_OF_BIRTH)
    found = answer(booking)
    assert found.state == AnswerState.GOING_AHEAD
    assert found.strike_context == StrikeContext.NONE
    assert found.strike is None
    assert (found.starts_at, found.site_name, found.service_name) == (
        booking.starts_at,
        booking.site.name,
        booking.service.name,
    )
    assert found.attend


def test_an_undecided_booking_in_a_strike_is_going_ahead_until_the_patient_is_told(desk):
    booking = book(desk)
    desk.assess()
    found = answer(booking)
    assert found.state == AnswerState.GOING_AHEAD
    assert found.strike_context == StrikeContext.UNDECIDED
    assert found.strike.title == desk.strike.title


def test_an_exempt_service_keeps_going(desk):
    booking = book(desk, service=desk.maternity)
    desk.assess()
    found = answer(booking)
    assert (found.state, found.strike_context) == (AnswerState.GOING_AHEAD, StrikeContext.EXEMPT)


def test_a_booking_decided_to_go_ahead_says_so(desk):
    booking = book(desk)
    desk.assess()
    desk.decide("going_ahead", references=(booking.reference,))
    found = answer(booking)
    assert found.state == AnswerState.GOING_AHEAD
    assert found.strike_context == StrikeContext.DECIDED_GOING_AHEAD


def test_a_postponed_booking_names_the_lost_slot_and_the_strike(desk):
    booking = book(desk)
    desk.assess()
    desk.decide("postponed", references=(booking.reference,))
    found = answer(booking)
    assert found.state == AnswerState.POSTPONED
    assert found.earlier_starts_at == LATE_SLOT
    assert found.strike.public_id == str(desk.strike.public_id)
    assert found.notice is None  # nothing sent yet: the page does not claim we wrote
    assert not found.attend


def test_a_postponed_booking_says_when_and_how_the_patient_was_told(desk):
    booking = book(desk)
    desk.assess()
    desk.decide("postponed", references=(booking.reference,))
    sent_at = BEFORE + dt.timedelta(hours=3)
    NoticeFactory(
        appointment=booking,
        strike=desk.strike,
        channel="email",
        status=NoticeStatus.DELIVERED,
        sent_at=sent_at,
    )
    NoticeFactory(  # a failed attempt is not a message the patient has
        appointment=booking,
        strike=desk.strike,
        channel="sms",
        status=NoticeStatus.FAILED,
        sent_at=sent_at + dt.timedelta(hours=1),
        about=BEFORE,
    )
    notice = answer(booking).notice
    assert (notice.channel, notice.sent_at) == ("email", sent_at)


def test_a_rescheduled_booking_gives_the_new_date_and_the_one_it_replaces(desk):
    booking = book(desk)
    desk.assess()
    desk.decide("postponed", references=(booking.reference,))
    new_date = LATE_SLOT + dt.timedelta(days=20)
    appointment_reschedule(appointment=booking, starts_at=new_date, actor=desk.ops)
    found = answer(booking)
    assert found.state == AnswerState.RESCHEDULED
    assert (found.starts_at, found.earlier_starts_at) == (new_date, LATE_SLOT)
    assert found.strike_context == StrikeContext.NONE  # the new date is clear of the strike
    assert found.attend


def test_a_booking_put_back_by_a_call_off_is_reinstated(desk):
    booking = book(desk)
    desk.assess()
    desk.decide("postponed", references=(booking.reference,))
    strike_call_off(strike=desk.strike, actor=None, now=BEFORE + dt.timedelta(days=1))
    found = answer(booking)
    assert found.state == AnswerState.REINSTATED
    assert found.starts_at == LATE_SLOT
    assert found.strike.status == "called_off"


def test_a_called_off_strike_does_not_reinstate_a_booking_it_never_postponed(desk):
    booking = book(desk)
    desk.assess()
    strike_call_off(strike=desk.strike, actor=None, now=BEFORE + dt.timedelta(days=1))
    found = answer(booking)
    assert (found.state, found.strike_context) == (AnswerState.GOING_AHEAD, StrikeContext.NONE)


def test_a_cancelled_booking_gives_the_trusts_contact_line(db):
    booking = AppointmentFactory(
        site__trust__name="Norfolk and Norwich", site__trust__contact_line="01603 286286"
    )
    appointment_update(appointment=booking, actor=None, status=Status.CANCELLED)
    found = answer(booking)
    assert found.state == AnswerState.CANCELLED
    assert (found.trust_name, found.contact_line) == ("Norfolk and Norwich", "01603 286286")
    assert not found.attend


def test_a_booking_on_an_earlier_day_or_already_seen_is_past(db):
    yesterday = AppointmentFactory(starts_at=timezone.now() - dt.timedelta(days=1))
    assert answer(yesterday).state == AnswerState.PAST
    seen = AppointmentFactory(status=Status.ATTENDED)
    assert answer(seen).state == AnswerState.PAST


def test_the_answer_carries_no_personal_details(db):
    booking = AppointmentFactory(patient__given_name="Zebedee", patient__postcode="NR4 7UY")
    values = " ".join(str(v) for v in vars(answer(booking)).values())
    for personal in ("Zebedee", booking.patient.family_name, booking.patient.nhs_number, "NR4"):
        assert personal not in values


def test_a_booking_matches_only_with_both_reference_and_date_of_birth(db):
    booking = AppointmentFactory(patient__date_of_birth=DATE_OF_BIRTH)
    other = AppointmentFactory(patient__date_of_birth=dt.date(1990, 1, 1))
    assert booking_matching(reference=booking.reference, date_of_birth=DATE_OF_BIRTH) == booking.pk
    assert booking_matching(reference=other.reference, date_of_birth=DATE_OF_BIRTH) is None
    assert booking_matching(reference="0000000000000", date_of_birth=DATE_OF_BIRTH) is None


def test_wrong_reference_and_wrong_date_of_birth_run_the_same_statement(db):
    """The response time cannot tell them apart if the database does the same work:
    one indexed lookup that finds nothing, with the same SQL."""
    booking = AppointmentFactory(patient__date_of_birth=DATE_OF_BIRTH)
    unknown = AppointmentFactory.build().reference  # well formed, never saved

    def statements(**question) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert booking_matching(**question) is None
        return [q["sql"].replace(question["reference"], "?") for q in captured.captured_queries]

    wrong_date = statements(reference=booking.reference, date_of_birth=dt.date(1961, 3, 13))
    wrong_reference = statements(reference=unknown, date_of_birth=DATE_OF_BIRTH)
    assert len(wrong_date) == 1
    assert wrong_date == [s.replace("1961-03-12", "1961-03-13") for s in wrong_reference]


def test_a_postponed_slot_already_gone_is_spoken_of_in_the_past(desk):
    booking = book(desk)
    desk.assess()
    desk.decide("postponed", references=(booking.reference,))
    assert not answer(booking).slot_passed
    later = answer_for(appointment_id=booking.pk, now=LATE_SLOT + dt.timedelta(days=30))
    assert (later.state, later.slot_passed) == (AnswerState.POSTPONED, True)


def test_staff_postponing_a_rescheduled_date_names_that_date_not_the_strike_slot(desk):
    booking = book(desk)
    desk.assess()
    desk.decide("postponed", references=(booking.reference,))
    new_date = LATE_SLOT + dt.timedelta(days=20)
    appointment_reschedule(appointment=booking, starts_at=new_date, actor=desk.ops)
    appointment_update(appointment=booking, actor=None, status=Status.POSTPONED)
    found = answer_for(appointment_id=booking.pk, now=LATE_SLOT + dt.timedelta(days=2))
    assert (found.state, found.earlier_starts_at) == (AnswerState.POSTPONED, new_date)
    assert not found.slot_passed  # "do not attend" the new date, not "did not go ahead"
    assert found.strike is None  # staff postponed it, not the strike


def _second_strike(desk, **fields):
    other = StrikeFactory(starts_at=STARTS_AT, ends_at=ENDS_AT, **fields)
    other.staff_groups.add(desk.nurses)
    ParticipationFactory(strike=other, trust=desk.trust)
    return other


def test_exempt_in_one_strike_does_not_hide_at_risk_in_another(desk):
    other = _second_strike(desk, title="Earlier strike")
    other.starts_at = STARTS_AT - dt.timedelta(hours=1)
    other.save()
    other.exempt_services.add(desk.clinic)
    booking = book(desk)
    desk.assess()
    strike_assess(strike=other)
    found = answer(booking)
    assert (found.strike_context, found.strike.title) == (
        StrikeContext.UNDECIDED,
        desk.strike.title,
    )


def test_reinstated_by_one_call_off_still_says_another_strike_may_postpone(desk):
    other = _second_strike(desk, title="Other strike")
    booking = book(desk)
    desk.assess()
    strike_assess(strike=other)
    desk.decide("postponed", references=(booking.reference,))
    strike_call_off(strike=desk.strike, actor=None, now=BEFORE + dt.timedelta(days=1))
    found = answer(booking)
    assert found.state == AnswerState.REINSTATED
    assert (found.strike_context, found.strike.title) == (StrikeContext.UNDECIDED, "Other strike")


def test_a_second_reschedule_replaces_the_first_new_date(desk):
    booking = book(desk)
    desk.assess()
    desk.decide("postponed", references=(booking.reference,))
    first = LATE_SLOT + dt.timedelta(days=20)
    second = LATE_SLOT + dt.timedelta(days=27)
    appointment_reschedule(appointment=booking, starts_at=first, actor=desk.ops)
    appointment_reschedule(appointment=booking, starts_at=second, actor=desk.ops)
    found = answer(booking)
    assert (found.starts_at, found.earlier_starts_at) == (second, first)
