"""The assess, decide and strike_status commands work before the dashboard exists."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from appointments.models import StrikeImpact
from strikes.models import StaffGroup
from tests.factories import (
    AppointmentFactory,
    MembershipFactory,
    ParticipationFactory,
    ServiceFactory,
    SiteFactory,
    StrikeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def strike():
    strike = StrikeFactory(title="RCN test strike")
    strike.staff_groups.add(StaffGroup.objects.get(code="nurses"))
    site = SiteFactory()
    ParticipationFactory(strike=strike, trust=site.trust)
    service = ServiceFactory(code="ophthalmology")
    for hour in range(3):
        AppointmentFactory(
            site=site, service=service, starts_at=strike.starts_at + dt.timedelta(hours=hour)
        )
    AppointmentFactory(site=site, service=service, starts_at=strike.starts_at, priority="urgent")
    return strike


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_assess_prints_counts_per_trust_and_a_dry_run_writes_nothing(strike):
    preview = run("assess_strike", "RCN test strike", "--dry-run")
    assert "dry run, nothing written" in preview
    assert not StrikeImpact.objects.exists()

    output = run("assess_strike", str(strike.public_id))

    trust_line = next(line for line in output.splitlines() if line.startswith("T"))
    assert trust_line.split()[1:] == ["4", "1", "3", "0", "0"]
    assert "4 added, 0 removed" in output
    assert StrikeImpact.objects.filter(strike=strike).count() == 4


def test_an_unknown_strike_is_a_clear_error():
    with pytest.raises(CommandError, match="No strike is called 'nothing'"):
        run("assess_strike", "nothing")


def test_decide_by_filter_as_a_named_user_and_refuses_without_a_selection(strike):
    run("assess_strike", "RCN test strike")
    user = MembershipFactory(trust=strike.participations.get().trust, role="operations").user

    with pytest.raises(CommandError, match="Name the bookings"):
        run("decide", "RCN test strike", "--postpone", "--user", user.username)
    output = run("decide", "RCN test strike", "--postpone", "--all", "--user", user.username)

    assert output.startswith("3 bookings marked postponed")
    assert "1 exempt bookings left to go ahead" in output
    assert StrikeImpact.objects.filter(outcome="postponed", decided_by=user).count() == 3


def test_decide_refusal_reaches_the_operator(strike):
    run("assess_strike", "RCN test strike")
    outsider = MembershipFactory(role="operations").user
    reference = StrikeImpact.objects.filter(outcome="at_risk").first().appointment.reference
    command = ("decide", "RCN test strike", "--postpone", "--reference", reference)
    with pytest.raises(CommandError, match="not bookings in this strike"):
        run(*command, "--user", outsider.username)


def test_call_off_previews_then_reinstates(strike):
    admin = UserFactory(is_superuser=True)
    run("assess_strike", "RCN test strike")
    run("decide", "RCN test strike", "--postpone", "--all", "--user", admin.username)

    preview = run("strike_status", "RCN test strike", "call-off", "--user", admin.username)
    assert "would reinstate 3 postponed bookings" in preview
    strike.refresh_from_db()
    assert strike.status == "announced"

    done = run("strike_status", "RCN test strike", "call-off", "--yes", "--user", admin.username)
    assert "3 bookings reinstated" in done
    strike.refresh_from_db()
    assert strike.status == "called_off"
    assert strike.starts_at > timezone.now()


def test_the_call_off_preview_refuses_what_the_call_off_would(strike):
    admin = UserFactory(is_superuser=True)
    strike.status = "completed"
    strike.save()
    with pytest.raises(CommandError, match="completed and cannot become called off"):
        run("strike_status", "RCN test strike", "call-off", "--user", admin.username)
