"""The database itself refuses patients, bookings, impacts, notices and history rows that
break the rules, whatever path the write takes (no ``full_clean()`` here): ``create``,
``update``, ``bulk_create`` and raw SQL, as imports and bulk services do."""

import datetime as dt
from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from appointments.models import (
    Appointment,
    AppointmentEvent,
    Notice,
    Patient,
    StrikeImpact,
)
from appointments.nhs_number import REPEATED_DIGIT_NUMBERS
from appointments.references import new_booking_reference
from appointments.services import appointments_move_status
from tests.factories import (
    AppointmentEventFactory,
    AppointmentFactory,
    NoticeFactory,
    PatientFactory,
    ServiceFactory,
    SiteFactory,
    StrikeFactory,
    StrikeImpactFactory,
    TrustFactory,
    UserFactory,
)
from trusts.models import Site

pytestmark = pytest.mark.django_db


@contextmanager
def refused_by_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        yield


def make_patient(nhs_number: str) -> Patient:
    return Patient.objects.create(
        nhs_number=nhs_number,
        given_name="Sam",
        family_name="Jones",
        date_of_birth=dt.date(1961, 2, 3),
    )


def make_appointment(*, site: Site, **overrides) -> Appointment:
    fields = {
        "external_id": "PAS-1",
        "patient": PatientFactory(),
        "trust": site.trust,
        "site": site,
        "service": ServiceFactory(),
        "kind": "outpatient",
        "starts_at": timezone.now() + dt.timedelta(days=3),
    }
    return Appointment.objects.create(**{**fields, **overrides})


# --- Patient ------------------------------------------------------------------------------


@pytest.mark.parametrize("nhs_number", ["9434765919", "4010232137", "9990000026", "9876543210"])
def test_patient_with_a_valid_nhs_number_is_stored(nhs_number):
    make_patient(nhs_number)

    assert Patient.objects.filter(nhs_number=nhs_number).exists()


def test_two_patients_cannot_share_an_nhs_number():
    make_patient("9434765919")

    with refused_by_database():
        make_patient("9434765919")

    assert Patient.objects.count() == 1


@pytest.mark.parametrize(
    "nhs_number",
    [
        "9434765918",  # check digit off by one
        "9434765910",
        "4010232138",
        "1234567890",  # 123456789 would need check digit 10: never issued
        "1234567891",
        "943476591X",
        "94347659l9",
        "943 476 59",
        "943476591",
        "",
        "ABCDEFGHIJ",
    ],
)
def test_patient_with_an_invalid_nhs_number_is_refused(nhs_number):
    with refused_by_database():
        make_patient(nhs_number)

    assert not Patient.objects.exists()


@pytest.mark.parametrize("nhs_number", REPEATED_DIGIT_NUMBERS)
def test_patient_with_a_repeated_digit_nhs_number_is_refused(nhs_number):
    # Every one of these passes the Modulus 11 arithmetic; none was ever issued.
    with refused_by_database():
        make_patient(nhs_number)

    assert not Patient.objects.exists()


def test_patient_nhs_number_with_a_trailing_newline_is_refused():
    # The first ten characters pass Modulus 11; the eleventh must still fail the format.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        make_patient("9434765919\n")

    assert not Patient.objects.exists()


def test_nhs_number_changed_to_a_bad_check_digit_by_update_is_refused():
    patient = make_patient("9434765919")

    with refused_by_database():
        Patient.objects.filter(pk=patient.pk).update(nhs_number="9434765918")

    patient.refresh_from_db()
    assert patient.nhs_number == "9434765919"


def test_bulk_created_patients_with_one_bad_nhs_number_are_all_refused():
    people = [
        Patient(
            nhs_number=number, given_name="A", family_name="B", date_of_birth=dt.date(1990, 1, 1)
        )
        for number in ["9434765919", "4010232137", "4010232130"]
    ]

    with refused_by_database():
        Patient.objects.bulk_create(people)

    assert not Patient.objects.exists()


def test_unknown_preferred_channel_is_refused():
    patient = PatientFactory()

    with refused_by_database():
        Patient.objects.filter(pk=patient.pk).update(preferred_channel="pigeon")

    patient.refresh_from_db()
    assert patient.preferred_channel == "letter"


# --- Appointment --------------------------------------------------------------------------


def test_the_same_pas_id_twice_at_one_trust_is_refused():
    site = SiteFactory()
    make_appointment(site=site, external_id="PAS-77")

    with refused_by_database():
        make_appointment(site=site, external_id="PAS-77")

    assert Appointment.objects.filter(external_id="PAS-77").count() == 1


def test_the_same_pas_id_at_two_trusts_is_two_bookings():
    first_site, second_site = SiteFactory(), SiteFactory()

    make_appointment(site=first_site, external_id="PAS-77")
    make_appointment(site=second_site, external_id="PAS-77")

    assert set(
        Appointment.objects.filter(external_id="PAS-77").values_list("trust", flat=True)
    ) == {first_site.trust_id, second_site.trust_id}


def test_an_empty_pas_id_is_refused():
    site = SiteFactory()

    with refused_by_database():
        make_appointment(site=site, external_id="")

    assert not Appointment.objects.exists()


def test_clearing_the_pas_id_by_update_is_refused():
    booking = AppointmentFactory(external_id="PAS-5")

    with refused_by_database():
        Appointment.objects.filter(pk=booking.pk).update(external_id="")

    booking.refresh_from_db()
    assert booking.external_id == "PAS-5"


def test_a_new_booking_gets_a_reference_the_database_accepts():
    booking = AppointmentFactory()

    booking.refresh_from_db()
    assert len(booking.reference) == 12


@pytest.mark.parametrize(
    "reference",
    [
        "k7qm3xda9rt2",  # lower case
        "K7QM3XDA9RTU",  # U is not in the alphabet
        "K7QM3XDA9RTO",  # nor O
        "K7QM3XDA9RTI",  # nor I
        "K7QM3XDA9RTL",  # nor L
        "K7QM3XDA9RT",  # eleven characters
        "K7QM-3XDA-9R",  # separators are for display only
        "",
    ],
)
def test_booking_reference_not_in_the_format_is_refused(reference):
    site = SiteFactory()

    with refused_by_database():
        make_appointment(site=site, reference=reference)

    assert not Appointment.objects.exists()


def test_booking_reference_with_a_trailing_newline_is_refused():
    site = SiteFactory()

    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        make_appointment(site=site, reference=new_booking_reference() + "\n")

    assert not Appointment.objects.exists()


def test_two_bookings_cannot_share_a_reference():
    first = AppointmentFactory()

    with refused_by_database():
        make_appointment(site=SiteFactory(), external_id="PAS-other", reference=first.reference)

    assert Appointment.objects.filter(reference=first.reference).count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "emergency"),
        ("kind", ""),
        ("priority", "2ww"),
        ("priority", ""),
        ("status", "lost"),
        ("status", ""),
        ("status", "Booked"),
    ],
)
def test_unknown_kind_priority_or_status_is_refused_on_insert(field, value):
    site = SiteFactory()

    with refused_by_database():
        make_appointment(site=site, **{field: value})

    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("kind", "virtual"), ("priority", "whenever"), ("status", "deleted")],
)
def test_unknown_kind_priority_or_status_is_refused_on_update(field, value):
    booking = AppointmentFactory()
    before = getattr(booking, field)

    with refused_by_database():
        Appointment.objects.filter(pk=booking.pk).update(**{field: value})

    booking.refresh_from_db()
    assert getattr(booking, field) == before


@pytest.mark.parametrize("kind", ["outpatient", "inpatient", "day_case"])
@pytest.mark.parametrize("priority", ["urgent", "cancer", "soon", "routine"])
def test_every_kind_and_priority_is_accepted(kind, priority):
    booking = make_appointment(site=SiteFactory(), kind=kind, priority=priority)

    booking.refresh_from_db()
    assert (booking.kind, booking.priority, booking.status) == (kind, priority, "booked")


# --- A booking's site belongs to the booking's trust --------------------------------------


def test_a_booking_at_a_site_of_another_trust_is_refused():
    own_trust = TrustFactory()
    elsewhere = SiteFactory()

    with refused_by_database():
        make_appointment(site=elsewhere, trust=own_trust)

    assert not Appointment.objects.exists()


def test_bulk_created_bookings_with_one_at_a_site_of_another_trust_are_all_refused():
    site, elsewhere = SiteFactory(), SiteFactory()
    patient, service = PatientFactory(), ServiceFactory()
    common = {
        "patient": patient,
        "service": service,
        "kind": "outpatient",
        "starts_at": timezone.now() + dt.timedelta(days=1),
        "trust": site.trust,
    }

    with refused_by_database():
        Appointment.objects.bulk_create(
            [
                Appointment(external_id="PAS-1", site=site, **common),
                Appointment(external_id="PAS-2", site=elsewhere, **common),
            ]
        )

    assert not Appointment.objects.exists()


def test_moving_a_booking_to_a_site_of_another_trust_is_refused():
    booking = AppointmentFactory()
    own_site = booking.site
    elsewhere = SiteFactory()

    with refused_by_database():
        Appointment.objects.filter(pk=booking.pk).update(site=elsewhere)

    booking.refresh_from_db()
    assert booking.site == own_site


def test_moving_a_booking_to_another_trust_but_not_its_site_is_refused():
    booking = AppointmentFactory()
    own_trust = booking.trust
    other_trust = TrustFactory()

    with refused_by_database():
        Appointment.objects.filter(pk=booking.pk).update(trust=other_trust)

    booking.refresh_from_db()
    assert booking.trust == own_trust


def test_moving_a_booking_to_another_trust_and_one_of_its_sites_is_accepted():
    booking = AppointmentFactory()
    elsewhere = SiteFactory()

    Appointment.objects.filter(pk=booking.pk).update(site=elsewhere, trust=elsewhere.trust)

    booking.refresh_from_db()
    assert (booking.site, booking.trust) == (elsewhere, elsewhere.trust)


def test_moving_a_booking_to_another_site_of_the_same_trust_is_accepted():
    booking = AppointmentFactory()
    second_site = SiteFactory(trust=booking.trust)

    Appointment.objects.filter(pk=booking.pk).update(site=second_site)

    booking.refresh_from_db()
    assert booking.site == second_site


def test_handing_a_site_with_bookings_to_another_trust_is_refused():
    # Otherwise every booking there would sit at a site of a trust it does not belong to.
    booking = AppointmentFactory()
    site = booking.site
    other_trust = TrustFactory()

    with refused_by_database():
        Site.objects.filter(pk=site.pk).update(trust=other_trust)

    site.refresh_from_db()
    assert site.trust == booking.trust


# --- Strike impact ------------------------------------------------------------------------


def test_a_booking_has_one_impact_per_strike():
    impact = StrikeImpactFactory(outcome="at_risk")

    with refused_by_database():
        StrikeImpact.objects.create(
            appointment=impact.appointment, strike=impact.strike, outcome="postponed"
        )

    assert list(StrikeImpact.objects.values_list("outcome", flat=True)) == ["at_risk"]


def test_a_booking_may_be_hit_by_several_strikes():
    booking = AppointmentFactory()

    StrikeImpactFactory(appointment=booking)
    StrikeImpactFactory(appointment=booking)

    assert booking.impacts.count() == 2


@pytest.mark.parametrize("outcome", ["exempt", "at_risk", "postponed", "going_ahead"])
def test_every_impact_outcome_is_accepted(outcome):
    StrikeImpactFactory(outcome=outcome)

    assert StrikeImpact.objects.get().outcome == outcome


@pytest.mark.parametrize("outcome", ["cancelled", "", "undecided", "Exempt"])
def test_unknown_impact_outcome_is_refused(outcome):
    booking, strike = AppointmentFactory(), StrikeFactory()

    with refused_by_database():
        StrikeImpact.objects.create(appointment=booking, strike=strike, outcome=outcome)

    assert not StrikeImpact.objects.exists()


def test_impact_outcome_changed_to_an_unknown_outcome_by_update_is_refused():
    impact = StrikeImpactFactory(outcome="at_risk")

    with refused_by_database():
        StrikeImpact.objects.filter(pk=impact.pk).update(outcome="maybe")

    impact.refresh_from_db()
    assert impact.outcome == "at_risk"


# --- Notice -------------------------------------------------------------------------------


def test_one_notice_of_each_kind_per_booking_per_strike_per_decision():
    notice = NoticeFactory(kind="postponed", channel="sms")

    with refused_by_database():
        Notice.objects.create(
            appointment=notice.appointment,
            strike=notice.strike,
            kind="postponed",
            channel="letter",
            due_by=notice.due_by,
            about=notice.about,
        )

    assert list(Notice.objects.values_list("channel", flat=True)) == ["sms"]


def test_a_later_decision_gets_a_notice_of_its_own():
    notice = NoticeFactory(kind="postponed", channel="sms")

    Notice.objects.create(
        appointment=notice.appointment,
        strike=notice.strike,
        kind="postponed",
        channel="sms",
        due_by=notice.due_by,
        about=notice.about + dt.timedelta(hours=1),
    )

    assert notice.appointment.notices.count() == 2


def test_notices_of_different_kinds_or_strikes_for_one_booking_are_accepted():
    notice = NoticeFactory(kind="postponed")

    NoticeFactory(appointment=notice.appointment, strike=notice.strike, kind="reinstated")
    NoticeFactory(appointment=notice.appointment, kind="postponed")

    assert notice.appointment.notices.count() == 3


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "cancelled"),
        ("kind", ""),
        ("channel", "fax"),
        ("channel", ""),
        ("status", "queued"),
        ("status", ""),
    ],
)
def test_unknown_notice_kind_channel_or_status_is_refused(field, value):
    booking, strike = AppointmentFactory(), StrikeFactory()
    fields = {"kind": "postponed", "channel": "sms", "status": "pending", field: value}

    with refused_by_database():
        Notice.objects.create(appointment=booking, strike=strike, due_by=strike.starts_at, **fields)

    assert not Notice.objects.exists()


@pytest.mark.parametrize("status", ["sent", "delivered", "failed"])
def test_a_notice_records_when_it_was_sent_once_it_has_been(status):
    NoticeFactory(status=status, sent_at=timezone.now())

    assert Notice.objects.get().status == status


@pytest.mark.parametrize("status", ["pending", "sending"])
def test_a_notice_not_yet_sent_cannot_have_a_sent_time(status):
    booking, strike = AppointmentFactory(), StrikeFactory()

    with refused_by_database():
        Notice.objects.create(
            appointment=booking,
            strike=strike,
            kind="postponed",
            channel="sms",
            status=status,
            due_by=strike.starts_at,
            sent_at=timezone.now(),
        )

    assert not Notice.objects.exists()


def test_a_sent_notice_cannot_go_back_to_pending_and_keep_its_sent_time():
    notice = NoticeFactory(status="sent", sent_at=timezone.now())

    with refused_by_database():
        Notice.objects.filter(pk=notice.pk).update(status="pending")

    notice.refresh_from_db()
    assert notice.status == "sent"


def test_a_pending_notice_given_a_sent_time_by_update_is_refused():
    notice = NoticeFactory(status="pending")

    with refused_by_database():
        Notice.objects.filter(pk=notice.pk).update(sent_at=timezone.now())

    notice.refresh_from_db()
    assert notice.sent_at is None


# --- Appointment history ------------------------------------------------------------------


@pytest.mark.parametrize(
    "action", ["status_changed", "decided", "reinstated", "rescheduled", "imported"]
)
def test_every_event_action_is_accepted(action):
    AppointmentEventFactory(action=action)

    assert AppointmentEvent.objects.get().action == action


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("action", "edited"),
        ("action", ""),
        ("from_status", "lost"),
        ("to_status", "lost"),
        ("to_status", "Booked"),
    ],
)
def test_unknown_event_action_or_status_is_refused(field, value):
    booking = AppointmentFactory()
    fields = {"action": "status_changed", "from_status": "booked", "to_status": "postponed"}

    with refused_by_database():
        AppointmentEvent.objects.create(appointment=booking, **{**fields, field: value})

    assert not AppointmentEvent.objects.exists()


def test_an_event_without_statuses_is_accepted():
    # An import or a note records history without a status move.
    AppointmentEventFactory(action="imported", from_status="", to_status="")

    assert AppointmentEvent.objects.get().to_status == ""


def test_history_cannot_be_rewritten_by_update():
    event = AppointmentEventFactory(from_status="booked", to_status="postponed")

    with refused_by_database():
        AppointmentEvent.objects.filter(pk=event.pk).update(to_status="cancelled")

    event.refresh_from_db()
    assert event.to_status == "postponed"


def test_history_cannot_be_rewritten_by_saving_the_row():
    event = AppointmentEventFactory(detail={"reason": "strike"})
    event.detail = {"reason": "nothing to see"}

    with refused_by_database():
        event.save()

    event.refresh_from_db()
    assert event.detail == {"reason": "strike"}


def test_history_cannot_be_rewritten_by_raw_sql():
    event = AppointmentEventFactory(action="decided")
    table = connection.ops.quote_name(AppointmentEvent._meta.db_table)

    with refused_by_database(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET action = %s WHERE id = %s", ["imported", event.pk])

    event.refresh_from_db()
    assert event.action == "decided"


def test_new_events_are_still_appended_after_a_refused_rewrite():
    event = AppointmentEventFactory()
    with refused_by_database():
        AppointmentEvent.objects.filter(pk=event.pk).update(action="decided")

    AppointmentEventFactory(
        appointment=event.appointment, from_status="postponed", to_status="booked"
    )

    assert event.appointment.events.count() == 2


def test_deleting_a_booking_takes_its_history_with_it():
    event = AppointmentEventFactory()

    event.appointment.delete()

    assert not AppointmentEvent.objects.exists()


def test_deleting_a_staff_user_who_wrote_history_is_refused_and_the_history_keeps_them():
    # History must say who did it: staff who leave are deactivated, not deleted.
    booking = AppointmentFactory()
    user = UserFactory()
    appointments_move_status(
        appointments=Appointment.objects.filter(pk=booking.pk), to_status="postponed", actor=user
    )

    with pytest.raises(ProtectedError):
        get_user_model().objects.filter(pk=user.pk).delete()

    event = AppointmentEvent.objects.get(appointment=booking)
    assert (event.to_status, event.actor_id) == ("postponed", user.pk)
