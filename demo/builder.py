"""Loads the demo: the seven trusts of the reports, their strikes, and bookings shaped so
that the figures StrikeDesk computes match the figures the reports published.

Safe to run twice: reference rows are upserted by natural key, strikes by a fixed id,
bookings by (trust, external_id); a block of bookings already loaded is left alone.
"""

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from appointments.models import (
    Appointment,
    AppointmentEvent,
    Notice,
    Patient,
    StrikeImpact,
)
from strikes.models import (
    LONDON,
    Participation,
    ReportedFigure,
    StaffAbsence,
    Strike,
    StrikeStatus,
    Union,
)
from strikes.rules import StrikeRules
from trusts.models import Membership, Service, Site, StaffGroup, Trust

from . import facts
from .bookings import BookingMaker, Planned, to_appointment
from .calendar import Window, strike_windows
from .replay import decide_ahead, replay_strike

DEMO_NAMESPACE = uuid.UUID("5d3b1f0e-6a55-4b8e-9a43-3c1f4f6a2b10")
DEMO_PASSWORD = "strikedesk-demo"  # noqa: S105 - printed for the demo; refused in production
DEMO_USERS = (
    # username, trust (None: national), role, what they are
    ("admin", None, None, "national administrator (sees every trust)"),
    ("nnuh.ops", "RM1", Membership.Role.OPERATIONS, "operations, Norfolk and Norwich"),
    ("qeh.viewer", "RCX", Membership.Role.VIEWER, "viewer, Queen Elizabeth King's Lynn"),
)
ALL_STRIKES = (facts.STRIKE_A, facts.STRIKE_B, facts.STRIKE_C, *facts.STRIKE_D_WALKOUTS)


def demo_strike_id(key: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"strike/{key}")


def load_demo(*, today: dt.date, say: Callable[[str], None] = print) -> dict[str, int]:
    with transaction.atomic():
        trusts, services = _reference_data()
        admin = _users(trusts)
        windows = strike_windows(today)
        for fact in ALL_STRIKES:
            strike = _strike(fact, windows[fact.key], trusts, services)
            planned = _bookings(fact, strike, windows[fact.key], trusts, services, say)
            if fact.outcomes and planned:
                replay_strike(strike, planned, actor=admin)
            elif fact.postponed_ahead and planned:
                decide_ahead(strike, fact.postponed_ahead, actor=admin, now=_morning_of(today))
    return demo_counts()


def _morning_of(today: dt.date) -> dt.datetime:
    """Decisions for an upcoming strike are made as of the day the demo is loaded."""
    return dt.datetime.combine(today, dt.time(9), tzinfo=LONDON)


def demo_counts() -> dict[str, int]:
    return {
        "trusts": Trust.objects.count(),
        "sites": Site.objects.count(),
        "services": Service.objects.count(),
        "strikes": Strike.objects.count(),
        "participations": Participation.objects.count(),
        "staff_absences": StaffAbsence.objects.count(),
        "reported_figures": ReportedFigure.objects.count(),
        "patients": Patient.objects.count(),
        "appointments": Appointment.objects.count(),
        "impacts": StrikeImpact.objects.count(),
        "events": AppointmentEvent.objects.count(),
    }


def reset_demo() -> None:
    """Remove the demo's strikes, bookings and patients (trusts and services stay)."""
    with transaction.atomic():
        demo_bookings = Appointment.objects.filter(external_id__startswith="DEMO-")
        demo_strikes = Strike.objects.filter(
            public_id__in=[demo_strike_id(f.key) for f in ALL_STRIKES]
        )
        Notice.objects.filter(appointment__in=demo_bookings).delete()
        StrikeImpact.objects.filter(appointment__in=demo_bookings).delete()
        demo_bookings.delete()
        Patient.objects.filter(nhs_number__startswith="999", appointments__isnull=True).delete()
        demo_strikes.delete()


def _reference_data() -> tuple[dict[str, Trust], dict[str, Service]]:
    trusts: dict[str, Trust] = {}
    for fact in facts.TRUSTS:
        trust, _ = Trust.objects.update_or_create(
            ods_code=fact.ods_code,
            defaults={
                "name": fact.name,
                "kind": fact.kind,
                "region": fact.region,
                "contact_line": facts.CONTACT,
            },
        )
        trusts[fact.ods_code] = trust
        for site in fact.sites:
            Site.objects.update_or_create(
                code=site.code, defaults={"trust": trust, "name": site.name, "town": site.town}
            )
    return trusts, service_catalogue()


def service_catalogue() -> dict[str, Service]:
    """The demo's services by code, upserted with who delivers them (the bench uses it too)."""
    services: dict[str, Service] = {}
    for service_fact in facts.SERVICES:
        service, _ = Service.objects.update_or_create(
            code=service_fact.code,
            defaults={
                "name": service_fact.name,
                "treatment_function_code": service_fact.treatment_function_code,
                "emergency": service_fact.emergency,
            },
        )
        service.staff_groups.set(StaffGroup.objects.filter(code__in=service_fact.staff_groups))
        services[service_fact.code] = service
    return services


def _strike(
    fact: facts.StrikeFact, window: Window, trusts: dict[str, Trust], services: dict[str, Service]
) -> Strike:
    strike, created = Strike.objects.get_or_create(
        public_id=demo_strike_id(fact.key),
        defaults={
            "title": fact.title,
            "starts_at": window.starts_at,
            "ends_at": window.ends_at,
            # A past strike is replayed from confirmed to completed through the services.
            "status": StrikeStatus.CONFIRMED if fact.outcomes else window.status,
            "emergency_care_only": fact.emergency_care_only,
            "notice_lead_days": fact.notice_lead_days,
        },
    )
    if not created:
        return strike  # loaded before: its window and any work done on it stay as they are
    strike.unions.set(Union.objects.filter(code__in=fact.unions))
    strike.staff_groups.set(StaffGroup.objects.filter(code__in=fact.staff_groups))
    strike.exempt_services.set([services[code] for code in fact.exempt_services])
    for code, note in fact.participating.items():
        Participation.objects.create(
            strike=strike, trust=trusts[code], participating=True, note=note
        )
    for code, note in fact.not_participating.items():
        Participation.objects.create(
            strike=strike, trust=trusts[code], participating=False, note=note
        )
    for code, outcome in fact.outcomes.items():
        for day, count in zip(window.days, outcome.staff_out_by_day, strict=False):
            StaffAbsence.objects.create(
                strike=strike,
                trust=trusts[code],
                date=day,
                staff_group_id=fact.staff_groups[0],
                count=count,
            )
            ReportedFigure.objects.create(
                strike=strike,
                trust=trusts[code],
                metric="staff_absent",
                date=day,
                value=count,
                source=facts.EDP,
                note=f"{fact.staff_groups[0].replace('_', ' ').capitalize()} out.",
            )
    for about, metric, source, value, note in fact.reported:
        trust = trusts.get(about or "")
        figure = ReportedFigure.objects.create(
            strike=strike,
            trust=trust,
            area="" if trust else (about or ""),
            metric=metric,
            value=value,
            source=source,
            note=note,
        )
        if trust is None:
            # The area's trusts that took part are the ones its headline counts.
            in_area = set(facts.AREA_TRUSTS[figure.area]) & set(fact.participating)
            figure.covers.set([trusts[code] for code in sorted(in_area)])
    return strike


def _bookings(
    fact: facts.StrikeFact,
    strike: Strike,
    window: Window,
    trusts: dict[str, Trust],
    services: dict[str, Service],
    say: Callable[[str], None],
) -> list[Planned]:
    """Write the strike's bookings, trust by trust; return those written this time."""
    at_risk_ids = set(StrikeRules.of(strike).services_at_risk())
    at_risk_services = [code for code, service in services.items() if service.pk in at_risk_ids]
    sizes = {
        code: outcome.planned for code, outcome in fact.outcomes.items()
    } | fact.upcoming_bookings
    written: list[Planned] = []
    for block, (code, size) in enumerate(sorted(sizes.items())):
        trust = trusts[code]
        prefix = f"DEMO-{fact.key}-{code}-"
        if Appointment.objects.filter(trust=trust, external_id__startswith=prefix).exists():
            continue
        maker = BookingMaker(
            strike_key=fact.key,
            trust_code=code,
            trust_kind=trust.kind,
            sites=list(trust.sites.order_by("code")),
            services=services,
            window=window,
            patient_index=(ALL_STRIKES.index(fact) * 5 + block) * 12_000,
        )
        planned = _plan(maker, fact.outcomes.get(code), size, at_risk_services)
        _write(planned, trust)
        written += planned
        say(f"  {fact.key} {code}: {len(planned):>5} bookings")
    return written


def _plan(
    maker: BookingMaker,
    outcome: facts.Outcome | None,
    size: int,
    at_risk_services: list[str],
) -> list[Planned]:
    if outcome is None:
        return [maker.make(fate="booked") for _ in range(size)]
    at_risk_here = [code for code in maker.mix if code in at_risk_services]
    postponed = outcome.postponed_outpatient + outcome.postponed_inpatient
    fates = ["waiting"] * outcome.still_waiting + ["rescheduled"] * (
        postponed - outcome.still_waiting
    )
    maker.rng.shuffle(fates)
    planned = [
        maker.make(
            fate=fate,
            services=at_risk_here,
            kinds={"outpatient"} if n < outcome.postponed_outpatient else {"inpatient", "day_case"},
            priorities=("routine", "soon"),
            outpatient_only=outcome.outpatient_only,
        )
        for n, fate in enumerate(fates)
    ]
    for _ in range(size - postponed):
        fate = "attended" if maker.rng.random() < 0.94 else "did_not_attend"
        planned.append(maker.make(fate=fate, outpatient_only=outcome.outpatient_only))
    return planned


def _write(planned: list[Planned], trust: Trust) -> None:
    """Bookings as they stood before the strike: booked, at their slot in the window."""
    patients = {p.patient.nhs_number: p.patient for p in planned}
    Patient.objects.bulk_create(patients.values(), batch_size=2000, ignore_conflicts=True)
    patient_ids = dict(
        Patient.objects.filter(nhs_number__in=patients).values_list("nhs_number", "pk")
    )
    Appointment.objects.bulk_create(
        [to_appointment(p, trust.pk, patient_ids) for p in planned],
        batch_size=2000,
        ignore_conflicts=True,
    )


def _users(trusts: dict[str, Trust]) -> Any:
    """The demo's sign-ins; returns the national administrator, who replays past strikes."""
    viewers, _ = Group.objects.get_or_create(name="Viewers")
    operations, _ = Group.objects.get_or_create(name="Operations staff")
    watched = ["trusts", "strikes", "appointments"]
    view = Permission.objects.filter(
        content_type__app_label__in=watched, codename__startswith="view_"
    )
    viewers.permissions.set(view)
    operations.permissions.set(
        view
        | Permission.objects.filter(
            content_type__app_label="strikes",
            codename__regex=r"^(change|add)_(participation|staffabsence)$",
        )
    )
    User = get_user_model()
    national = None
    for username, trust_code, role, _ in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=username)
        user.is_staff = True
        user.is_superuser = trust_code is None
        user.set_password(DEMO_PASSWORD)
        user.save()
        if trust_code is not None and role is not None:
            Membership.objects.update_or_create(
                user=user, trust=trusts[trust_code], defaults={"role": role}
            )
            user.groups.set([operations if role == Membership.Role.OPERATIONS else viewers])
        else:
            national = user
    return national
