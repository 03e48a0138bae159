"""Trust scope: a user sees the patient data of the trusts they belong to, and nothing else.

Each test builds two trusts with the same kinds of records and checks what ``for_user``
gives each kind of user, then what the admin shows a staff user of one trust.
"""

from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.urls import reverse

from appointments.models import Appointment, AppointmentEvent, Notice, Patient, StrikeImpact
from tests.factories import (
    AppointmentEventFactory,
    AppointmentFactory,
    MembershipFactory,
    NoticeFactory,
    PatientFactory,
    SiteFactory,
    StrikeFactory,
    StrikeImpactFactory,
    UserFactory,
)
from trusts.models import Trust

pytestmark = pytest.mark.django_db

SCOPED_MODELS = {
    "appointments": Appointment,
    "impacts": StrikeImpact,
    "notices": Notice,
    "events": AppointmentEvent,
}


@dataclass
class TrustRecords:
    trust: Trust
    only_patient: Patient
    appointments: list[Appointment] = field(default_factory=list)
    records: dict[str, set[int]] = field(default_factory=dict)


@dataclass
class World:
    a: TrustRecords
    b: TrustRecords
    shared_patient: Patient

    def ids(self, name: str, *trusts: TrustRecords) -> set[int]:
        return set().union(*(t.records[name] for t in trusts))


def _trust_with_records(strike, shared_patient) -> TrustRecords:
    site = SiteFactory()
    trust = site.trust
    only_patient = PatientFactory()
    own = AppointmentFactory(site=site, patient=only_patient)
    shared = AppointmentFactory(site=site, patient=shared_patient)
    records = TrustRecords(trust=trust, only_patient=only_patient, appointments=[own, shared])
    impacts = [StrikeImpactFactory(appointment=a, strike=strike) for a in (own, shared)]
    notices = [NoticeFactory(appointment=a, strike=strike) for a in (own, shared)]
    events = [AppointmentEventFactory(appointment=a, strike=strike) for a in (own, shared)]
    records.records = {
        "appointments": {own.pk, shared.pk},
        "impacts": {i.pk for i in impacts},
        "notices": {n.pk for n in notices},
        "events": {e.pk for e in events},
        "patients": {only_patient.pk, shared_patient.pk},
    }
    return records


@pytest.fixture
def world() -> World:
    strike = StrikeFactory()
    shared_patient = PatientFactory()
    return World(
        a=_trust_with_records(strike, shared_patient),
        b=_trust_with_records(strike, shared_patient),
        shared_patient=shared_patient,
    )


def member_of(*trusts: Trust, role: str = "operations", **user_fields):
    user = UserFactory(**user_fields)
    for trust in trusts:
        MembershipFactory(user=user, trust=trust, role=role)
    return user


def visible(name: str, user, **kwargs) -> list[int]:
    model = Patient if name == "patients" else SCOPED_MODELS[name]
    return list(model.objects.for_user(user, **kwargs).values_list("pk", flat=True))


ALL_KINDS = [*SCOPED_MODELS, "patients"]


# --- for_user -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_KINDS)
def test_a_user_of_one_trust_sees_that_trusts_records_and_not_the_others(world, name):
    user_a = member_of(world.a.trust)
    user_b = member_of(world.b.trust, role="viewer")

    assert set(visible(name, user_a)) == world.ids(name, world.a)
    assert set(visible(name, user_b)) == world.ids(name, world.b)
    assert world.ids(name, world.b) - world.ids(name, world.a)  # B has records A must not see


@pytest.mark.parametrize("name", ALL_KINDS)
def test_a_user_of_both_trusts_sees_both_without_duplicates(world, name):
    user = member_of(world.a.trust, world.b.trust)

    seen = visible(name, user)

    assert len(seen) == len(set(seen))
    assert set(seen) == world.ids(name, world.a, world.b)


def test_a_patient_booked_at_both_trusts_is_visible_once_to_each_trusts_users(world):
    user_a = member_of(world.a.trust)
    user_b = member_of(world.b.trust)

    for user in (user_a, user_b):
        seen = visible("patients", user)
        assert seen.count(world.shared_patient.pk) == 1
        assert len(seen) == 2


def test_a_patient_booked_only_at_the_other_trust_is_invisible(world):
    user_a = member_of(world.a.trust)

    assert world.b.only_patient.pk not in visible("patients", user_a)
    assert not Patient.objects.for_user(user_a).filter(pk=world.b.only_patient.pk).exists()


@pytest.mark.parametrize("name", ALL_KINDS)
def test_a_superuser_sees_every_trusts_records(world, name):
    national = UserFactory(is_superuser=True, is_staff=True)

    seen = visible(name, national)

    assert len(seen) == len(set(seen))
    assert set(seen) == world.ids(name, world.a, world.b)


def test_a_superuser_sees_a_patient_who_has_no_booking_yet(client, world):
    # National users see every record. A patient just registered in the admin has no
    # booking at any trust yet, and the national administrator who added them must
    # still be able to find and open the record.
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.post(
        reverse("admin:appointments_patient_add"),
        {
            "nhs_number": "9434765919",
            "given_name": "Nia",
            "family_name": "Okafor",
            "date_of_birth": "1984-06-30",
            "address": "[]",
            "preferred_channel": "sms",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    newcomer = Patient.objects.get(nhs_number="9434765919")

    listing = client.get(reverse("admin:appointments_patient_changelist"))
    opened = client.get(reverse("admin:appointments_patient_change", args=[newcomer.pk]))

    assert newcomer in listing.context["cl"].result_list
    assert opened.status_code == 200


def test_a_patient_with_no_booking_is_invisible_to_trust_users(world):
    newcomer = PatientFactory()
    user = member_of(world.a.trust, world.b.trust)

    assert newcomer.pk not in visible("patients", user)


@pytest.mark.parametrize("name", ALL_KINDS)
@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(AnonymousUser, id="anonymous"),
        pytest.param(UserFactory, id="no-membership"),
        pytest.param(lambda: UserFactory(is_staff=True), id="staff-without-membership"),
        pytest.param(lambda: None, id="none"),
    ],
)
def test_users_without_a_trust_see_nothing(world, name, make_user):
    assert visible(name, make_user()) == []


@pytest.mark.parametrize("name", ALL_KINDS)
def test_a_deactivated_user_sees_nothing_even_with_a_membership(world, name):
    user = member_of(world.a.trust, world.b.trust, is_active=False)

    assert visible(name, user) == []


@pytest.mark.parametrize("name", ALL_KINDS)
def test_a_deactivated_superuser_sees_nothing(world, name):
    user = UserFactory(is_superuser=True, is_staff=True, is_active=False)

    assert visible(name, user) == []


def test_losing_a_membership_loses_sight_of_the_trust(world):
    user = member_of(world.a.trust, world.b.trust)
    assert set(visible("appointments", user)) == world.ids("appointments", world.a, world.b)

    user.memberships.filter(trust=world.b.trust).delete()

    assert set(visible("appointments", user)) == world.ids("appointments", world.a)


@pytest.mark.parametrize("name", list(SCOPED_MODELS))
def test_roles_narrow_the_trusts_to_those_where_the_user_holds_them(world, name):
    user = UserFactory()
    MembershipFactory(user=user, trust=world.a.trust, role="viewer")
    MembershipFactory(user=user, trust=world.b.trust, role="operations")

    assert set(visible(name, user, roles=["operations"])) == world.ids(name, world.b)
    assert set(visible(name, user, roles=["viewer"])) == world.ids(name, world.a)
    assert set(visible(name, user, roles=["viewer", "operations"])) == world.ids(
        name, world.a, world.b
    )
    assert visible(name, user, roles=["admin"]) == []
    assert visible(name, user, roles=[]) == []
    assert set(visible(name, user)) == world.ids(name, world.a, world.b)


def test_roles_do_not_hide_anything_from_a_superuser(world):
    national = UserFactory(is_superuser=True)

    seen = visible("appointments", national, roles=["operations"])

    assert set(seen) == world.ids("appointments", world.a, world.b)


def test_the_scope_composes_with_other_filters(world):
    user_a = member_of(world.a.trust)
    own = world.a.appointments[0]

    found = Appointment.objects.filter(
        reference__in=[own.reference, world.b.appointments[0].reference]
    )

    assert list(found.for_user(user_a)) == [own]


# --- Admin --------------------------------------------------------------------------------


def staff_of(trust: Trust, *codenames: str):
    user = member_of(trust, role="viewer", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def test_the_admin_lists_only_the_staff_users_trusts_appointments(client, world):
    client.force_login(staff_of(world.a.trust, "view_appointment"))

    response = client.get(reverse("admin:appointments_appointment_changelist"))

    assert response.status_code == 200
    assert set(response.context["cl"].result_list) == set(world.a.appointments)
    page = response.content.decode()
    for booking in world.a.appointments:
        assert booking.reference in page
    for booking in world.b.appointments:
        assert booking.reference not in page


def test_the_admin_search_does_not_find_another_trusts_booking(client, world):
    client.force_login(staff_of(world.a.trust, "view_appointment"))
    other = world.b.appointments[0]

    response = client.get(
        reverse("admin:appointments_appointment_changelist"), {"q": other.reference}
    )

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


def test_the_admin_will_not_open_another_trusts_booking(client, world):
    client.force_login(staff_of(world.a.trust, "view_appointment"))
    other = world.b.appointments[0]

    response = client.get(
        reverse("admin:appointments_appointment_change", args=[other.pk]), follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert other.reference not in response.content.decode()
    assert other.patient.nhs_number not in response.content.decode()


def test_the_admin_opens_the_staff_users_own_trusts_booking(client, world):
    client.force_login(staff_of(world.a.trust, "view_appointment"))
    own = world.a.appointments[0]

    response = client.get(reverse("admin:appointments_appointment_change", args=[own.pk]))

    assert response.status_code == 200
    assert own.reference in response.content.decode()


def test_the_admin_lists_only_patients_booked_at_the_staff_users_trust(client, world):
    client.force_login(staff_of(world.a.trust, "view_patient"))

    response = client.get(reverse("admin:appointments_patient_changelist"))

    assert response.status_code == 200
    page = response.content.decode()
    assert world.a.only_patient.nhs_number in page
    assert world.shared_patient.nhs_number in page
    assert world.b.only_patient.nhs_number not in page


@pytest.mark.parametrize(
    ("url_name", "codename"),
    [
        ("admin:appointments_strikeimpact_changelist", "view_strikeimpact"),
        ("admin:appointments_notice_changelist", "view_notice"),
        ("admin:appointments_appointmentevent_changelist", "view_appointmentevent"),
    ],
)
def test_the_admin_lists_only_the_staff_users_trusts_impacts_notices_and_events(
    client, world, url_name, codename
):
    client.force_login(staff_of(world.a.trust, codename))

    response = client.get(reverse(url_name))

    assert response.status_code == 200
    shown = {row.appointment_id for row in response.context["cl"].result_list}
    assert shown == {a.pk for a in world.a.appointments}
    page = response.content.decode()
    for booking in world.b.appointments:
        assert booking.reference not in page


def test_a_superuser_sees_every_trusts_bookings_in_the_admin(client, world):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    response = client.get(reverse("admin:appointments_appointment_changelist"))

    assert response.status_code == 200
    page = response.content.decode()
    for booking in [*world.a.appointments, *world.b.appointments]:
        assert booking.reference in page
