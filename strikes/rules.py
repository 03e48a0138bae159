"""The rules of assessment: which bookings a strike touches, and which of those are exempt.

A booking is *in* a strike when it is booked or rescheduled, due in ``[starts_at,
ends_at)``, at a trust whose participation row says it takes part, in a service that at
least one striking staff group delivers (a service listing no staff groups is delivered
by all). It is *exempt* when its service is one of the strike's exempt services (under
emergency care only: the catalogue's emergency services instead) or, unless the strike
turns protection off, its priority is protected (urgent and cancer; under emergency
care only, urgent). Everything else in the strike is at risk.

The rules are expressed as ``Q`` objects over bookings so that assessment, dry runs,
reports and the demo all ask the database the same question in one statement.
"""

from dataclasses import dataclass
from typing import Self

from django.db.models import Q

from appointments.models import Priority, Status
from trusts.models import Service

from .models import Strike

# Bookings that can still be affected: a strike adds only these.
AFFECTED_STATUSES = (Status.BOOKED, Status.RESCHEDULED)
# Bookings seen during the walkout stay in its record once assessed, so the strike's
# figures do not shrink as clinics report attendance.
SEEN_STATUSES = (Status.ATTENDED, Status.DID_NOT_ATTEND)


@dataclass(frozen=True)
class StrikeRules:
    """One strike's rules, with its catalogue lookups done once (three small queries)."""

    strike: Strike
    participating_trust_ids: tuple[int, ...]
    striking_service_ids: tuple[int, ...]
    exempt_service_ids: tuple[int, ...]
    protected_priorities: tuple[str, ...]

    @classmethod
    def of(cls, strike: Strike) -> Self:
        participating = strike.participations.filter(participating=True).values_list(
            "trust_id", flat=True
        )
        strike_groups = list(strike.staff_groups.values_list("pk", flat=True))
        striking: list[int] = []
        if strike_groups:  # a strike of nobody touches nothing
            striking = list(
                Service.objects.filter(
                    Q(staff_groups__isnull=True) | Q(staff_groups__in=strike_groups)
                )
                .values_list("pk", flat=True)
                .distinct()
            )
        if strike.emergency_care_only:
            exempt = Service.objects.filter(emergency=True).values_list("pk", flat=True)
            protected: tuple[str, ...] = (Priority.URGENT,)
        else:
            exempt = strike.exempt_services.values_list("pk", flat=True)
            protected = (Priority.URGENT, Priority.CANCER)
        return cls(
            strike=strike,
            participating_trust_ids=tuple(sorted(participating)),
            striking_service_ids=tuple(sorted(striking)),
            exempt_service_ids=tuple(sorted(exempt)),
            protected_priorities=protected if strike.protect_urgent else (),
        )

    def in_window(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.strike.starts_at, f"{field}__lt": self.strike.ends_at})

    def in_scope(self, booking: str = "", *, when: str | None = None) -> Q:
        """Participating trust, striking service, and due in the window.

        ``booking`` is the path to the booking ("" from Appointment, "appointment__"
        from StrikeImpact); ``when`` overrides which time is checked against the window.
        """
        return (
            Q(**{f"{booking}trust_id__in": self.participating_trust_ids})
            & Q(**{f"{booking}service_id__in": self.striking_service_ids})
            & self.in_window(when or f"{booking}starts_at")
        )

    def in_strike(self, booking: str = "") -> Q:
        """The bookings assessment adds: in scope and still to happen."""
        return self.in_scope(booking) & Q(**{f"{booking}status__in": AFFECTED_STATUSES})

    def stays_in_strike(self, booking: str = "") -> Q:
        """The bookings an undecided impact keeps: in scope and still to happen or seen."""
        return self.in_scope(booking) & Q(
            **{f"{booking}status__in": (*AFFECTED_STATUSES, *SEEN_STATUSES)}
        )

    def exempt(self, booking: str = "") -> Q:
        return Q(**{f"{booking}service_id__in": self.exempt_service_ids}) | Q(
            **{f"{booking}priority__in": self.protected_priorities}
        )

    def services_at_risk(self) -> tuple[int, ...]:
        """Striking services that are not exempt: a routine booking in one is at risk."""
        exempt = set(self.exempt_service_ids)
        return tuple(pk for pk in self.striking_service_ids if pk not in exempt)
