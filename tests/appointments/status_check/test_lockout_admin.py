"""Staff see status page lockouts in the admin, scoped to their trusts, and can lift them."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from appointments.models import Appointment
from appointments.references import format_booking_reference
from appointments.status_check.attempts import Attempt, Refused, attempt_start, lockout_lift
from appointments.status_check.models import CheckLockout
from tests.factories import AppointmentFactory, MembershipFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:appointments_checklockout_changelist")
GUESSER = "203.0.113.7"


def lock_out(reference: str) -> CheckLockout:
    for n in range(6):
        attempt_start(reference=reference, address=f"198.51.100.{n}")
    return CheckLockout.objects.get(scope="reference", key=reference)


@dataclass
class Lockouts:
    ours: Appointment
    theirs: Appointment
    ours_locked: CheckLockout
    theirs_locked: CheckLockout
    address_locked: CheckLockout


@pytest.fixture
def lockouts(settings) -> Lockouts:
    settings.STRIKEDESK_CHECK_LIMIT_STORE = "database"
    settings.STRIKEDESK_CHECK_ADDRESS_LIMIT = 2
    ours, theirs = AppointmentFactory(), AppointmentFactory(site=SiteFactory())
    for n in range(3):
        attempt_start(reference=f"NOSUCHREF{n:03d}", address=GUESSER)
    return Lockouts(
        ours=ours,
        theirs=theirs,
        ours_locked=lock_out(ours.reference),
        theirs_locked=lock_out(theirs.reference),
        address_locked=CheckLockout.objects.get(scope="address", key=GUESSER),
    )


def staff_of(trust, *codenames: str):
    user = UserFactory(is_staff=True)
    MembershipFactory(user=user, trust=trust)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def lift(client, *lockouts: CheckLockout):
    return client.post(
        CHANGELIST,
        {"action": "lift", "_selected_action": [lockout.pk for lockout in lockouts]},
        follow=True,
    )


def test_a_superuser_sees_every_lockout(client, lockouts):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = client.get(CHANGELIST).content.decode()

    assert lockouts.ours.reference in page
    assert lockouts.theirs.reference in page
    assert GUESSER in page


def test_trust_staff_see_only_their_own_bookings_references(client, lockouts):
    client.force_login(staff_of(lockouts.ours.trust, "view_checklockout"))

    page = client.get(CHANGELIST).content.decode()
    other = client.get(
        reverse("admin:appointments_checklockout_change", args=[lockouts.theirs_locked.pk]),
        follow=True,
    ).content.decode()

    assert lockouts.ours.reference in page
    assert lockouts.theirs.reference not in page
    assert GUESSER not in page
    assert lockouts.theirs.reference not in other


def test_lifting_records_who_and_lets_the_next_check_through(client, lockouts):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    reference = lockouts.ours.reference
    assert isinstance(attempt_start(reference=reference, address="192.0.2.1"), Refused)

    response = lift(client, lockouts.ours_locked)

    assert "1 lockouts lifted" in response.content.decode()
    lockouts.ours_locked.refresh_from_db()
    assert lockouts.ours_locked.lifted_by == admin_user
    assert lockouts.ours_locked.lifted_at is not None
    assert isinstance(attempt_start(reference=reference, address="192.0.2.1"), Attempt)
    still = attempt_start(reference=lockouts.theirs.reference, address="192.0.2.1")
    assert isinstance(still, Refused)


def test_trust_staff_who_may_only_view_cannot_lift(client, lockouts):
    client.force_login(staff_of(lockouts.ours.trust, "view_checklockout"))

    assert "Lift lockout" not in client.get(CHANGELIST).content.decode()
    lift(client, lockouts.ours_locked)

    lockouts.ours_locked.refresh_from_db()
    assert lockouts.ours_locked.lifted_at is None


def test_trust_staff_who_may_change_lift_their_own_but_not_another_trusts(client, lockouts):
    client.force_login(staff_of(lockouts.ours.trust, "view_checklockout", "change_checklockout"))

    lift(client, lockouts.ours_locked, lockouts.theirs_locked, lockouts.address_locked)

    lifted = set(CheckLockout.objects.filter(lifted_at__isnull=False).values_list("key", flat=True))
    assert lifted == {lockouts.ours.reference}
    refused = attempt_start(reference=lockouts.theirs.reference, address="192.0.2.1")
    assert isinstance(refused, Refused)


def test_filters_by_state_and_search_by_the_reference_as_written(client, lockouts):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    lockout_lift(lockouts.theirs_locked)

    active = client.get(CHANGELIST, {"state": "active"}).content.decode()
    lifted = client.get(CHANGELIST, {"state": "lifted"}).content.decode()
    typed = format_booking_reference(lockouts.ours.reference).lower()
    found = client.get(CHANGELIST, {"q": typed}).content.decode()

    assert lockouts.ours.reference in active
    assert lockouts.theirs.reference not in active
    assert lockouts.theirs.reference in lifted
    assert lockouts.ours.reference not in lifted
    assert lockouts.ours.reference in found
    assert lockouts.theirs.reference not in found
