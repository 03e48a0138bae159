"""factory-boy factories: valid, trust-consistent records with as little typing as possible."""

import datetime as dt
import itertools

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from appointments.models import (
    Appointment,
    AppointmentEvent,
    EventAction,
    Notice,
    NoticeKind,
    Patient,
    StrikeImpact,
)
from appointments.nhs_number import nhs_check_digit
from strikes.models import Participation, ReportedFigure, StaffAbsence, Strike
from trusts.models import Membership, Service, Site, StaffGroup, Trust

# Trust codes starting with T, cycling through all 1,296 of them (a plain generator
# would run dry after a few dozen tests); no real trust code used in a test starts with T.
_TRUST_CODE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_TRUST_CODES = [f"T{a}{b}" for a, b in itertools.product(_TRUST_CODE_CHARS, repeat=2)]
_nine_digit_stems = itertools.count(400_000_001)


def next_valid_nhs_number() -> str:
    while True:
        stem = str(next(_nine_digit_stems))
        check = nhs_check_digit(stem)
        if check is not None:
            return f"{stem}{check}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")


class TrustFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trust

    ods_code = factory.Sequence(lambda n: _TRUST_CODES[n % len(_TRUST_CODES)])
    name = factory.LazyAttribute(lambda o: f"Trust {o.ods_code}")
    kind = Trust.Kind.ACUTE
    region = "East of England"


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    trust = factory.SubFactory(TrustFactory)
    code = factory.Sequence(lambda n: f"{'S'}{n // 100 % 10}{n // 10 % 10}{n % 10}A")
    name = factory.LazyAttribute(lambda o: f"Site {o.code}")
    town = "Norwich"


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"service-{n}")
    name = factory.LazyAttribute(lambda o: o.code.replace("-", " ").title())


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    trust = factory.SubFactory(TrustFactory)
    role = Membership.Role.OPERATIONS


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    nhs_number = factory.LazyFunction(next_valid_nhs_number)
    given_name = "Alex"
    family_name = factory.Sequence(lambda n: f"Patient{n}")
    date_of_birth = dt.date(1970, 5, 17)
    postcode = "NR4 7UY"


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    external_id = factory.Sequence(lambda n: f"PAS-{n:07d}")
    patient = factory.SubFactory(PatientFactory)
    site = factory.SubFactory(SiteFactory)
    trust = factory.SelfAttribute("site.trust")
    service = factory.SubFactory(ServiceFactory)
    kind = "outpatient"
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    priority = "routine"
    referral_received_on = dt.date(2026, 1, 5)


class StrikeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Strike

    title = factory.Sequence(lambda n: f"Strike {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(days=2))


class ParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participation

    strike = factory.SubFactory(StrikeFactory)
    trust = factory.SubFactory(TrustFactory)
    participating = True


class StrikeImpactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StrikeImpact

    appointment = factory.SubFactory(AppointmentFactory)
    strike = factory.SubFactory(StrikeFactory)
    outcome = "at_risk"
    slot_starts_at = factory.SelfAttribute("appointment.starts_at")


class StaffGroupFactory(factory.django.DjangoModelFactory):
    """The staff groups are seeded by a migration; this fetches (or makes) one by code."""

    class Meta:
        model = StaffGroup
        django_get_or_create = ["code"]

    code = StaffGroup.NURSES
    name = factory.LazyAttribute(lambda o: o.code.replace("_", " ").capitalize())


class StaffAbsenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffAbsence

    strike = factory.SubFactory(StrikeFactory)
    trust = factory.SubFactory(TrustFactory)
    date = factory.LazyAttribute(lambda o: timezone.localdate(o.strike.starts_at))
    staff_group = factory.SubFactory(StaffGroupFactory)
    count = 12


class ReportedFigureFactory(factory.django.DjangoModelFactory):
    """A trust's own published figure; pass ``trust=None, area=...`` for an area figure."""

    class Meta:
        model = ReportedFigure

    strike = factory.SubFactory(StrikeFactory)
    trust = factory.SubFactory(TrustFactory)
    area = ""
    metric = ReportedFigure.Metric.POSTPONED_TOTAL
    value = 4736
    source = "Trust press release"


class NoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notice

    appointment = factory.SubFactory(AppointmentFactory)
    strike = factory.SubFactory(StrikeFactory)
    kind = NoticeKind.POSTPONED
    channel = "sms"
    due_by = factory.LazyAttribute(lambda o: o.strike.starts_at - dt.timedelta(days=3))
    about = factory.LazyAttribute(lambda o: o.strike.starts_at - dt.timedelta(days=5))


class AppointmentEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppointmentEvent

    appointment = factory.SubFactory(AppointmentFactory)
    action = EventAction.STATUS_CHANGED
    from_status = "booked"
    to_status = "postponed"
