"""In the admin a strike's status moves only through actions that call the services."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from appointments.models import StrikeImpact
from strikes.models import StaffGroup
from strikes.services import Selection, impacts_decide, strike_assess
from tests.factories import (
    AppointmentFactory,
    ParticipationFactory,
    ServiceFactory,
    SiteFactory,
    StrikeFactory,
    UserFactory,
)

from .desk import Desk

pytestmark = pytest.mark.django_db


def test_calling_off_in_the_admin_reinstates_bookings_and_status_is_not_editable(client):
    admin_user = UserFactory(is_superuser=True, is_staff=True)
    strike = StrikeFactory(starts_at=timezone.now() + dt.timedelta(days=5))
    strike.staff_groups.add(StaffGroup.objects.get(code="nurses"))
    site = SiteFactory()
    ParticipationFactory(strike=strike, trust=site.trust)
    booking = AppointmentFactory(site=site, service=ServiceFactory(), starts_at=strike.starts_at)
    strike_assess(strike=strike)
    impacts_decide(strike=strike, outcome="postponed", selection=Selection(), actor=admin_user)
    client.force_login(admin_user)

    form = client.get(f"/admin/strikes/strike/{strike.pk}/change/")
    assert form.status_code == 200
    assert 'name="status"' not in form.content.decode()

    response = client.post(
        "/admin/strikes/strike/",
        {"action": "strike_call_off", "_selected_action": [strike.pk]},
        follow=True,
    )

    assert "1 bookings reinstated" in response.content.decode()
    strike.refresh_from_db()
    booking.refresh_from_db()
    assert strike.status == "called_off"
    assert booking.status == "booked"
    assert StrikeImpact.objects.get(appointment=booking).reinstated_at is not None
    assert strike.status_changes.get().actor == admin_user


def test_a_refused_move_is_shown_as_an_error(client):
    admin_user = UserFactory(is_superuser=True, is_staff=True)
    strike = StrikeFactory()
    client.force_login(admin_user)

    response = client.post(
        "/admin/strikes/strike/",
        {"action": "strike_resume", "_selected_action": [strike.pk]},
        follow=True,
    )

    assert "is not suspended" in response.content.decode()
    strike.refresh_from_db()
    assert strike.status == "announced"


def test_the_strike_page_shows_notice_progress_and_links_for_the_users_own_trusts(client):
    desk = Desk()
    desk.ops.is_staff = True
    desk.ops.save()
    desk.ops.user_permissions.add(Permission.objects.get(codename="view_strike"))
    client.force_login(desk.ops)

    page = client.get(reverse("admin:strikes_strike_change", args=[desk.strike.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "0 notices (none yet); <strong>0 overdue</strong>" in text
    own = f"/staff/strikes/{desk.strike.public_id}/trusts/{desk.trust.ods_code}/"
    assert f"{own}letters/" in text
    assert f"{own}calls/" in text
    assert f"/trusts/{desk.other_trust.ods_code}/" not in text, "another trust's pages"
