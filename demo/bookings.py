"""Synthetic patients and bookings around the reported figures. Deterministic: the same
strike, trust and day always give the same rows, which is what makes loading idempotent."""

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from appointments.models import Appointment, Patient
from appointments.nhs_number import nhs_check_digit
from trusts.models import Service, Site

from . import facts
from .calendar import LONDON, Window

# The NHS sets aside numbers starting 999 for testing: synthetic patients can never
# share a number with a real one.
TEST_NHS_NUMBER_FIRST_STEM = 999_000_000
# Ofcom's range reserved for drama, so no real phone is ever texted.
FICTIONAL_MOBILE = "07700 900{:03d}"


@dataclass(frozen=True)
class Planned:
    """One synthetic booking before it is written, with what happened to it."""

    external_id: str
    patient: Patient
    site: Site
    service: Service
    kind: str
    priority: str
    starts_at: dt.datetime
    original_starts_at: dt.datetime | None
    referral_received_on: dt.date
    fate: str  # "waiting", "rescheduled", "attended", "did_not_attend", "booked"


def nhs_numbers(first_index: int) -> Iterator[str]:
    """Valid test NHS numbers, the ``first_index``-th onwards."""
    stem = TEST_NHS_NUMBER_FIRST_STEM + first_index
    while True:
        check = nhs_check_digit(str(stem))
        if check is not None:
            yield f"{stem}{check}"
        stem += 1


class BookingMaker:
    """Makes the bookings of one trust in one strike."""

    def __init__(
        self,
        *,
        strike_key: str,
        trust_code: str,
        trust_kind: str,
        sites: list[Site],
        services: dict[str, Service],
        window: Window,
        patient_index: int,
    ) -> None:
        self.rng = random.Random(f"strikedesk-demo/{strike_key}/{trust_code}")
        self.prefix = f"DEMO-{strike_key}-{trust_code}"
        self.trust_code = trust_code
        self.sites = sites
        self.services = services
        self.mix = facts.SERVICE_MIX[trust_kind]
        self.window = window
        self.nhs_numbers = nhs_numbers(patient_index)
        self.patients: list[Patient] = []
        self.count = 0

    def patient(self) -> Patient:
        rng = self.rng
        # About one booking in seven belongs to a patient already booked in the window.
        if self.patients and rng.random() < 0.15:
            return rng.choice(self.patients)
        given, family = rng.choice(facts.GIVEN_NAMES), rng.choice(facts.FAMILY_NAMES)
        district = rng.choice(facts.POSTCODE_DISTRICTS[self.trust_code])
        channel = rng.choices(["sms", "email", "letter", "phone"], weights=[55, 15, 25, 5])[0]
        has_mobile = channel == "sms" or rng.random() < 0.6
        has_email = channel == "email" or rng.random() < 0.3
        patient = Patient(
            nhs_number=next(self.nhs_numbers),
            given_name=given,
            family_name=family,
            date_of_birth=dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(32000)),
            postcode=f"{district} {rng.randrange(1, 10)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
            f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
            phone=FICTIONAL_MOBILE.format(rng.randrange(1000)) if has_mobile else "",
            email=f"{given}.{family}{rng.randrange(100)}@example.com".lower() if has_email else "",
            address=[
                f"{rng.randrange(1, 200)} {rng.choice(facts.STREETS)}",
                facts.TOWNS[self.trust_code],
            ],
            preferred_channel=channel,
        )
        self.patients.append(patient)
        return patient

    def _slot(self) -> dt.datetime:
        """A clinic or theatre slot inside the window: 08:00 to 17:45, local time."""
        while True:
            day = self.rng.choice(self.window.days)
            minutes = 8 * 60 + 15 * self.rng.randrange(40)
            local = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=LONDON)
            if self.window.starts_at <= local < self.window.ends_at:
                return local

    def _kind(self, service_code: str, outpatient_only: bool) -> str:
        if outpatient_only or service_code in {
            "mental-health",
            "community-nursing",
            "physiotherapy",
        }:
            return "outpatient"
        return self.rng.choices(["outpatient", "day_case", "inpatient"], weights=[74, 16, 10])[0]

    def _priority(self, service_code: str) -> str:
        if service_code in {"chemotherapy", "endoscopy", "dermatology"} and self.rng.random() < 0.3:
            return "cancer"
        return self.rng.choices(["routine", "soon", "urgent"], weights=[66, 24, 10])[0]

    def _site(self, service_code: str) -> Site:
        # Southampton's maternity and neonatal care are at the Princess Anne.
        if len(self.sites) > 1 and service_code in {"maternity", "neonatal"}:
            return self.sites[1]
        return self.sites[0]

    def make(
        self,
        *,
        fate: str,
        services: list[str] | None = None,
        kinds: set[str] | None = None,
        priorities: tuple[str, ...] | None = None,
        outpatient_only: bool = False,
    ) -> Planned:
        """One booking; ``services``/``kinds``/``priorities`` restrict it when it must be
        one the strike puts at risk."""
        rng = self.rng
        while True:
            pool = services or list(self.mix)
            code = rng.choices(pool, weights=[self.mix.get(c, 1) for c in pool])[0]
            kind = self._kind(code, outpatient_only)
            if kinds is None or kind in kinds:
                break
        priority = rng.choice(priorities) if priorities else self._priority(code)
        starts_at = self._slot()
        original = None
        if fate == "rescheduled":
            original, starts_at = starts_at, starts_at + dt.timedelta(days=rng.randrange(14, 70))
        self.count += 1
        return Planned(
            external_id=f"{self.prefix}-{self.count:05d}",
            patient=self.patient(),
            site=self._site(code),
            service=self.services[code],
            kind=kind,
            priority=priority,
            starts_at=starts_at,
            original_starts_at=original,
            referral_received_on=(original or starts_at).date()
            - dt.timedelta(days=rng.randrange(14, 520)),
            fate=fate,
        )


def to_appointment(planned: Planned, trust_id: int, patient_ids: dict[str, int]) -> Appointment:
    """The booking as it stood before the strike: at its slot in the window, booked. What
    became of it is replayed afterwards (demo/replay.py)."""
    return Appointment(
        external_id=planned.external_id,
        patient_id=patient_ids[planned.patient.nhs_number],
        trust_id=trust_id,
        site=planned.site,
        service=planned.service,
        kind=planned.kind,
        priority=planned.priority,
        starts_at=planned.original_starts_at or planned.starts_at,
        referral_received_on=planned.referral_received_on,
    )
