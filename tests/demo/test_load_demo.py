"""The demo reproduces the reported figures, and loading it twice changes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.test import override_settings

from appointments.models import Appointment, AppointmentEvent, Notice, StrikeImpact
from appointments.notices import notices_generate
from appointments.status_check.answers import (
    AnswerState,
    StrikeContext,
    answer_for,
    booking_matching,
)
from demo.builder import DEMO_PASSWORD, demo_counts, demo_strike_id, load_demo
from demo.status_checks import status_check_examples
from strikes.models import LONDON, Participation, ReportedFigure, StaffAbsence, Strike
from strikes.services import strike_assess
from tests.signing_in import sign_in
from trusts.models import Membership

TODAY = dt.date(2026, 11, 23)


def _postponed(strike: Strike, ods_code: str) -> dict[str, int]:
    return StrikeImpact.objects.filter(
        strike=strike, outcome="postponed", appointment__trust__ods_code=ods_code
    ).aggregate(
        outpatient=Count("pk", filter=Q(appointment__kind="outpatient")),
        inpatient=Count("pk", filter=~Q(appointment__kind="outpatient")),
        waiting=Count("pk", filter=Q(appointment__status="postponed")),
    )


def _planned(strike: Strike, ods_code: str) -> int:
    """Bookings at the trust that were due inside the strike's window, whatever became of them."""
    return (
        Appointment.objects.filter(trust__ods_code=ods_code)
        .annotate(first_due=Coalesce("original_starts_at", "starts_at"))
        .filter(first_due__gte=strike.starts_at, first_due__lt=strike.ends_at)
        .count()
    )


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_loads_twice_with_the_same_counts_and_reproduces_the_reports():
    first = load_demo(today=TODAY, say=lambda line: None)
    second = load_demo(today=TODAY, say=lambda line: None)
    assert first == second == demo_counts()
    assert first["trusts"] == 7
    assert first["strikes"] == 6
    assert first["appointments"] > 30_000

    a = Strike.objects.get(public_id=demo_strike_id("A"))
    b = Strike.objects.get(public_id=demo_strike_id("B"))
    c = Strike.objects.get(public_id=demo_strike_id("C"))

    # Strike A: 877 cancelled at the N&N, about 13% of planned; about 400 still waiting.
    nnuh_a = _postponed(a, "RM1")
    assert nnuh_a == {"outpatient": 877, "inpatient": 0, "waiting": 400}
    assert round(100 * 877 / _planned(a, "RM1")) == 13
    assert _postponed(a, "RMY")["outpatient"] == 207
    rescheduled_ry3 = Appointment.objects.filter(
        impacts__strike=a, impacts__outcome="postponed", trust__ods_code="RY3", status="rescheduled"
    )
    assert rescheduled_ry3.count() == 162
    staff_out = {
        (row.trust.ods_code, row.date.day): row.count
        for row in StaffAbsence.objects.filter(strike=a).select_related("trust")
    }
    assert staff_out == {
        ("RM1", 18): 302,
        ("RM1", 19): 272,
        ("RMY", 18): 117,
        ("RMY", 19): 125,
        ("RY3", 18): 137,
        ("RY3", 19): 121,
    }

    # Strike C: outpatient and inpatient rescheduled exactly as reported, and the area's
    # headline total disagrees with its own parts.
    assert {
        code: (p["outpatient"], p["inpatient"])
        for code in ("RM1", "RCX", "RGP")
        for p in [_postponed(c, code)]
    } == {"RM1": (2976, 475), "RCX": (882, 50), "RGP": (262, 81)}
    computed_area_total = StrikeImpact.objects.filter(strike=c, outcome="postponed").count()
    assert computed_area_total == 4726
    headline = ReportedFigure.objects.get(
        strike=c, area="Norfolk and Waveney", metric="postponed_total"
    )
    assert headline.value == Decimal(4736)
    parts = ReportedFigure.objects.filter(strike=c, trust__isnull=False).aggregate(
        total=Sum("value")
    )
    assert parts["total"] == Decimal(4726)

    # Every postponement left its history: one decided event per postponed booking.
    assert (
        AppointmentEvent.objects.filter(strike=c, action="decided", to_status="postponed").count()
        == 4726
    )

    # The past strikes were replayed through the services: assessing them again finds
    # nothing to change, and each was completed with its status history.
    for past in (a, c):
        again = strike_assess(strike=past)
        assert again.changed == 0
        assert again.decided_outside == 0
        assert again.totals.at_risk == 0
        assert past.status == "completed"
        assert list(past.status_changes.values_list("from_status", "to_status")) == [
            ("confirmed", "completed")
        ]

    # The past strikes' notices went out at the time: one per postponed booking, and a
    # new-date notice for each rebooking still ahead of its strike's end, all sent.
    for past in (a, c):
        postponed = StrikeImpact.objects.filter(strike=past, outcome="postponed").count()
        assert Notice.objects.filter(strike=past, kind="postponed").count() == postponed
        assert not Notice.objects.filter(strike=past).exclude(status="sent").exists()
    assert Notice.objects.filter(strike=a, kind="rescheduled").count() > 0

    # Strike B is upcoming: about 5,000 bookings at the N&N, assessed, with the routine
    # operations and health checks already postponed and the rest (endoscopies among
    # them, for the dashboard's walk-through) still at risk; King's Lynn and Gorleston
    # do not take part (their ballots failed).
    assert b.starts_at.date() == dt.date(2026, 11, 30)
    assert b.status == "confirmed"
    assert Appointment.objects.filter(external_id__startswith="DEMO-B-RM1-").count() == 5000
    b_impacts = StrikeImpact.objects.filter(strike=b)
    assert set(b_impacts.values_list("appointment__trust__ods_code", flat=True)) == {
        "RM1",
        "RMY",
        "RY3",
    }
    postponed_b = b_impacts.filter(outcome="postponed")
    assert set(postponed_b.values_list("appointment__service__code", flat=True)) == {
        "general-surgery",
        "pre-op-assessment",
    }
    assert not postponed_b.exclude(appointment__priority="routine").exists()
    assert b_impacts.filter(outcome="at_risk", appointment__service__code="endoscopy").exists()
    assert b_impacts.filter(outcome="at_risk").count() > postponed_b.count() > 100
    assert set(
        Participation.objects.filter(strike=b, participating=False).values_list(
            "trust__ods_code", flat=True
        )
    ) == {"RCX", "RGP"}
    assert set(b.exempt_services.values_list("code", flat=True)) >= {
        "chemotherapy",
        "dialysis",
        "neonatal",
    }
    assert strike_assess(strike=b).changed == 0

    # B's notice window is open on the day the demo is loaded: the scheduler's first
    # tick owes a notice to each patient whose booking is postponed, and to no one else.
    assert not Notice.objects.filter(strike=b).exists()
    loaded_at = dt.datetime.combine(TODAY, dt.time(10), tzinfo=LONDON)
    generated = notices_generate(now=loaded_at)
    assert generated.created == {
        "postponed": postponed_b.count(),
        "going_ahead": 0,
        "reinstated": 0,
        "rescheduled": 0,
    }

    # The bookings load_demo prints for the status page answer as their labels say.
    examples = {e.what: e for e in status_check_examples(now=loaded_at)}
    expected = {
        "Postponed by the strike": (AnswerState.POSTPONED, StrikeContext.NONE),
        "In the strike, not decided yet (attend)": (
            AnswerState.GOING_AHEAD,
            StrikeContext.UNDECIDED,
        ),
        "In the strike, exempt service (attend)": (AnswerState.GOING_AHEAD, StrikeContext.EXEMPT),
        "Not affected by any strike": (AnswerState.GOING_AHEAD, StrikeContext.NONE),
        "Already past": (AnswerState.PAST, StrikeContext.NONE),
    }
    assert set(expected) <= set(examples)
    for what, (state, context) in expected.items():
        example = examples[what]
        booking = booking_matching(reference=example.reference, date_of_birth=example.date_of_birth)
        answer = answer_for(appointment_id=booking, now=loaded_at)
        assert (answer.state, answer.strike_context) == (state, context), what


@pytest.mark.django_db
def test_demo_users_sign_in_with_their_trust_and_role(client):
    load_demo(today=TODAY, say=lambda line: None)

    sign_in(client, "admin", DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 200
    roles = {
        (m.user.username, m.trust.ods_code, m.role)
        for m in Membership.objects.select_related("user", "trust")
    }
    assert roles == {("nnuh.ops", "RM1", "operations"), ("qeh.viewer", "RCX", "viewer")}

    client.logout()
    sign_in(client, "qeh.viewer", DEMO_PASSWORD)
    listing = client.get("/admin/appointments/appointment/?q=")
    assert listing.status_code == 200
    shown = listing.context["cl"].queryset
    assert shown.exists()
    assert not shown.exclude(trust__ods_code="RCX").exists()


@pytest.mark.django_db
@override_settings(STRIKEDESK_DEMO_ALLOWED=False)
def test_demo_is_refused_where_it_is_not_allowed():
    with pytest.raises(CommandError, match="refused"):
        call_command("load_demo")
    assert not Strike.objects.exists()
