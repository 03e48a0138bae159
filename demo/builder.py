"""Loads the demo: the seven trusts of the reports, their strikes, and bookings shaped so
that the figures StrikeDesk computes match the figures the reports published.

Safe to run twice: reference rows are upserted by natural key, strikes by a fixed id,
bookings by (trust, external_id); a block of bookings already loaded is left alone.
"""

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from appointments.models import (
    Appointment,
    AppointmentEvent,
    EventAction,
    Notice,
    Outcome,
    Patient,
    StrikeImpact,
)
from appointments.services import appointments_move_status
from strikes.models import Participation, ReportedFigure, StaffAbsence, Strike, Union
from trusts.models import Membership, Service, Site, StaffGroup, Trust

from . import facts
from .bookings import BookingMaker, Planned, to_appointment
from .calendar import Window, strike_windows

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


@dataclass(frozen=True)
class Rules:
    """The assessment rules, as far as the demo needs them to label past outcomes."""

    staff_groups: frozenset[str]
    exempt_services: frozenset[str]
    emergency_care_only: bool

    def in_strike(self, service: Service, groups_of: dict[int, set[str]]) -> bool:
        groups = groups_of[service.pk]
        return not groups or bool(groups & self.staff_groups)

    def exempt(self, service: Service, priority: str) -> bool:
        if self.emergency_care_only:
            return service.emergency or priority == "urgent"
        return service.code in self.exempt_services or priority in {"urgent", "cancer"}


def load_demo(*, today: dt.date, say: Callable[[str], None] = print) -> dict[str, int]:
    with transaction.atomic():
        trusts, services = _reference_data()
        windows = strike_windows(today)
        for fact in ALL_STRIKES:
            strike = _strike(fact, windows[fact.key], trusts, services)
            _bookings(fact, strike, windows[fact.key], trusts, services, say)
        _users(trusts)
    return demo_counts()


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
    return trusts, services


def _strike(
    fact: facts.StrikeFact, window: Window, trusts: dict[str, Trust], services: dict[str, Service]
) -> Strike:
    strike, created = Strike.objects.get_or_create(
        public_id=demo_strike_id(fact.key),
        defaults={
            "title": fact.title,
            "starts_at": window.starts_at,
            "ends_at": window.ends_at,
            "status": window.status,
            "emergency_care_only": fact.emergency_care_only,
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
        ReportedFigure.objects.create(
            strike=strike,
            trust=trust,
            area="" if trust else (about or ""),
            metric=metric,
            value=value,
            source=source,
            note=note,
        )
    return strike


def _bookings(
    fact: facts.StrikeFact,
    strike: Strike,
    window: Window,
    trusts: dict[str, Trust],
    services: dict[str, Service],
    say: Callable[[str], None],
) -> None:
    rules = Rules(
        frozenset(fact.staff_groups), frozenset(fact.exempt_services), fact.emergency_care_only
    )
    groups_of = {
        s.pk: set(s.staff_groups.values_list("code", flat=True)) for s in services.values()
    }
    sizes = {
        code: outcome.planned for code, outcome in fact.outcomes.items()
    } | fact.upcoming_bookings
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
        outcome = fact.outcomes.get(code)
        planned = _plan(maker, outcome, size, rules, groups_of)
        _write(planned, trust, strike, rules, groups_of, past=outcome is not None)
        say(f"  {fact.key} {code}: {len(planned):>5} bookings")


def _plan(
    maker: BookingMaker,
    outcome: facts.Outcome | None,
    size: int,
    rules: Rules,
    groups_of: dict[int, set[str]],
) -> list[Planned]:
    if outcome is None:
        return [maker.make(fate="booked") for _ in range(size)]
    at_risk_services = [
        code
        for code in maker.mix
        if rules.in_strike(maker.services[code], groups_of)
        and not rules.exempt(maker.services[code], "routine")
    ]
    postponed = outcome.postponed_outpatient + outcome.postponed_inpatient
    fates = ["waiting"] * outcome.still_waiting + ["rescheduled"] * (
        postponed - outcome.still_waiting
    )
    maker.rng.shuffle(fates)
    planned = [
        maker.make(
            fate=fate,
            services=at_risk_services,
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


def _write(
    planned: list[Planned],
    trust: Trust,
    strike: Strike,
    rules: Rules,
    groups_of: dict[int, set[str]],
    *,
    past: bool,
) -> None:
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
    if not past:
        return
    ids = dict(
        Appointment.objects.filter(
            external_id__in=[p.external_id for p in planned], trust=trust
        ).values_list("external_id", "pk")
    )
    impacts = []
    for p in planned:
        if p.fate in {"waiting", "rescheduled"}:
            outcome = Outcome.POSTPONED
        elif not rules.in_strike(p.service, groups_of):
            continue
        elif rules.exempt(p.service, p.priority):
            outcome = Outcome.EXEMPT
        else:
            outcome = Outcome.GOING_AHEAD
        impacts.append(
            StrikeImpact(
                appointment_id=ids[p.external_id],
                strike=strike,
                outcome=outcome,
                slot_starts_at=p.original_starts_at or p.starts_at,
                decided_at=strike.starts_at if outcome != Outcome.EXEMPT else None,
            )
        )
    StrikeImpact.objects.bulk_create(impacts, batch_size=2000, ignore_conflicts=True)

    def with_fates(*fates: str):
        return Appointment.objects.filter(
            pk__in=[ids[p.external_id] for p in planned if p.fate in fates]
        )

    detail = {"source": "demo", "reported_by": "local news reports"}
    # History in the order it happened: postponed for the strike, then rebooked or seen.
    appointments_move_status(
        appointments=with_fates("waiting", "rescheduled"),
        to_status="postponed",
        actor=None,
        action=EventAction.DECIDED,
        strike=strike,
        detail=detail,
    )
    appointments_move_status(
        appointments=with_fates("rescheduled"),
        to_status="rescheduled",
        actor=None,
        action=EventAction.RESCHEDULED,
        strike=strike,
        detail=detail,
    )
    for fate in ("attended", "did_not_attend"):
        appointments_move_status(
            appointments=with_fates(fate), to_status=fate, actor=None, detail=detail
        )


def _users(trusts: dict[str, Trust]) -> None:
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
