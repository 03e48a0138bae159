"""A strike a week ahead, two participating trusts, and helpers to book, assess and decide.

Times are fixed in British Summer Time (July next year) so that the local day boundary
differs from UTC's, and every service gets ``now=`` explicitly: BEFORE the walkout,
DURING it or AFTER it.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from appointments.models import Appointment, AppointmentEvent, Outcome, Patient, StrikeImpact
from strikes.models import Strike, StrikeStatusChange
from strikes.services.assessment import strike_assess
from strikes.services.decisions import DecisionRefused, Selection, impacts_decide
from tests.factories import (
    AppointmentFactory,
    MembershipFactory,
    ParticipationFactory,
    ServiceFactory,
    SiteFactory,
    StaffGroupFactory,
    StrikeFactory,
    TrustFactory,
    next_valid_nhs_number,
)
from trusts.models import Membership, Site, StaffGroup, Trust

LONDON = ZoneInfo("Europe/London")
# 07:00 BST on 8 July next year, for 48 hours: always ahead of the real clock, always BST.
STARTS_AT = dt.datetime(timezone.now().year + 1, 7, 8, 7, 0, tzinfo=LONDON)
ENDS_AT = STARTS_AT + dt.timedelta(days=2)
BEFORE = STARTS_AT - dt.timedelta(days=7)  # a week before the walkout
DURING = STARTS_AT + dt.timedelta(hours=12)  # 19:00 on the first strike day
AFTER = ENDS_AT + dt.timedelta(hours=1)
EARLY_SLOT = STARTS_AT + dt.timedelta(hours=2)  # 09:00 on day one: passed by DURING
LATE_SLOT = STARTS_AT + dt.timedelta(hours=26)  # 09:00 on day two: still ahead DURING


class Desk:
    """One strike of nurses at two participating trusts (A and B), with three services:
    ``clinic`` and ``physio`` (delivered by nurses, at risk) and ``maternity`` (exempt)."""

    def __init__(self) -> None:
        self.nurses = StaffGroupFactory(code=StaffGroup.NURSES)
        self.strike: Strike = StrikeFactory(starts_at=STARTS_AT, ends_at=ENDS_AT)
        self.strike.staff_groups.add(self.nurses)
        self.trust: Trust = TrustFactory()
        self.other_trust: Trust = TrustFactory()
        for trust in (self.trust, self.other_trust):
            ParticipationFactory(strike=self.strike, trust=trust)
        self.site: Site = SiteFactory(trust=self.trust)
        self.second_site: Site = SiteFactory(trust=self.trust)
        self.other_site: Site = SiteFactory(trust=self.other_trust)
        self.clinic = ServiceFactory(code="clinic")
        self.physio = ServiceFactory(code="physio")
        self.maternity = ServiceFactory(code="maternity")
        for service in (self.clinic, self.physio, self.maternity):
            service.staff_groups.add(self.nurses)
        self.strike.exempt_services.add(self.maternity)
        self.ops = MembershipFactory(trust=self.trust, role=Membership.Role.OPERATIONS).user

    def book(self, *, site: Site | None = None, at: dt.datetime = LATE_SLOT, **fields):
        """A booking inside the walkout (clinic, routine, outpatient unless told)."""
        site = site or self.site
        fields.setdefault("service", self.clinic)
        return AppointmentFactory(site=site, trust=site.trust, starts_at=at, **fields)

    def book_many(self, count: int, *, site: Site | None = None) -> None:
        """``count`` at-risk bookings in a few statements (patients included)."""
        site = site or self.site
        patients = Patient.objects.bulk_create(
            Patient(
                nhs_number=next_valid_nhs_number(),
                given_name="Sam",
                family_name=f"Bulk{n}",
                date_of_birth=dt.date(1980, 1, 1),
            )
            for n in range(count)
        )
        Appointment.objects.bulk_create(
            Appointment(
                external_id=f"BULK-{site.code}-{n}",
                patient=patient,
                trust=site.trust,
                site=site,
                service=self.clinic,
                kind="outpatient",
                starts_at=LATE_SLOT + dt.timedelta(minutes=n % 600),
            )
            for n, patient in enumerate(patients)
        )

    def assess(self):
        return strike_assess(strike=self.strike)

    def decide(self, outcome: str, *, actor=None, now: dt.datetime = BEFORE, **selection):
        """``impacts_decide`` for this strike; the actor defaults to trust A's operations."""
        return impacts_decide(
            strike=self.strike,
            outcome=outcome,
            selection=Selection(**selection),
            actor=actor or self.ops,
            now=now,
        )

    def impact(self, booking: Appointment) -> StrikeImpact:
        return StrikeImpact.objects.get(strike=self.strike, appointment=booking)

    def refresh(self) -> Strike:
        self.strike.refresh_from_db()
        return self.strike


def state() -> tuple:
    """Everything a refused request must leave as it was."""
    return (
        sorted(Appointment.objects.values_list("pk", "status")),
        sorted(
            StrikeImpact.objects.values_list(
                "pk", "outcome", "decided_at", "decided_by", "reinstated_at"
            )
        ),
        AppointmentEvent.objects.count(),
        sorted(Strike.objects.values_list("pk", "status")),
        StrikeStatusChange.objects.count(),
    )


def statuses(*bookings: Appointment) -> list[str]:
    return [Appointment.objects.get(pk=b.pk).status for b in bookings]


def refused(
    desk: Desk, message: str, outcome: str = Outcome.POSTPONED, **kwargs
) -> DecisionRefused:
    before = state()
    with pytest.raises(DecisionRefused, match=message) as refusal:
        desk.decide(outcome, **kwargs)
    assert state() == before, "a refused decision must change nothing"
    return refusal.value
