"""Public facts about strikes for the "Strike action and your appointment" page.

Only what unions and trusts announce publicly: who is striking, when, what keeps running
and which trusts take part. No bookings, no counts.
"""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from strikes.models import Participation, Strike, StrikeStatus
from trusts.models import Service

# What a patient might still be affected by; completed strikes are history.
SHOWN_STATUSES = (
    StrikeStatus.ANNOUNCED,
    StrikeStatus.CONFIRMED,
    StrikeStatus.SUSPENDED,
    StrikeStatus.CALLED_OFF,
)


@dataclass(frozen=True)
class PublicStrike:
    public_id: uuid.UUID
    title: str
    status: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    unions: list[str]
    staff_groups: list[str]
    emergency_care_only: bool
    protect_urgent: bool
    exempt_services: list[str]
    emergency_services: list[str]
    trusts: list[str]

    @property
    def is_on(self) -> bool:
        return self.status in (StrikeStatus.ANNOUNCED, StrikeStatus.CONFIRMED)


def _public_strikes() -> QuerySet[Strike]:
    return Strike.objects.prefetch_related(
        "unions",
        "staff_groups",
        "exempt_services",
        Prefetch(
            "participations",
            queryset=Participation.objects.filter(participating=True)
            .select_related("trust")
            .order_by("trust__name"),
            to_attr="taking_part",
        ),
    )


def strikes_for_patients(*, now: dt.datetime | None = None) -> list[PublicStrike]:
    """Strikes not yet over, soonest first (called-off ones too, so a patient who heard
    of one learns it is off); those that ended more than a week ago drop off the page."""
    now = now or timezone.now()
    strikes = (
        _public_strikes()
        .filter(status__in=SHOWN_STATUSES, ends_at__gt=now - dt.timedelta(days=7))
        .order_by("starts_at")
    )
    emergency = _emergency_services()
    return [_public(strike, emergency) for strike in strikes]


def strike_for_patients(public_id: uuid.UUID) -> PublicStrike | None:
    strike = _public_strikes().filter(public_id=public_id).first()
    return _public(strike, _emergency_services()) if strike else None


def _emergency_services() -> list[str]:
    return list(Service.objects.filter(emergency=True).values_list("name", flat=True))


def _public(strike: Strike, emergency_services: list[str]) -> PublicStrike:
    return PublicStrike(
        public_id=strike.public_id,
        title=strike.title,
        status=strike.status,
        starts_at=strike.starts_at,
        ends_at=strike.ends_at,
        unions=[union.name for union in strike.unions.all()],
        staff_groups=[group.name.lower() for group in strike.staff_groups.all()],
        emergency_care_only=strike.emergency_care_only,
        protect_urgent=strike.protect_urgent,
        exempt_services=(
            [] if strike.emergency_care_only else [s.name for s in strike.exempt_services.all()]
        ),
        emergency_services=emergency_services,
        trusts=[p.trust.name for p in strike.taking_part],  # type: ignore[attr-defined]
    )
