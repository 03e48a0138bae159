"""Reads about strikes."""

from datetime import datetime

from django.db.models import Prefetch, QuerySet

from .models import Participation, Strike


def strikes_for_overview(*, now: datetime) -> dict[str, list[Strike]]:
    """Strikes split into happening now, coming up, and past, with what a page shows of them.

    Suspended and called-off strikes are listed with the past: they will not happen.
    """
    strikes: QuerySet[Strike] = Strike.objects.prefetch_related(
        "unions",
        "staff_groups",
        Prefetch(
            "participations",
            queryset=Participation.objects.filter(participating=True).select_related("trust"),
            to_attr="participating_trusts",
        ),
    ).order_by("starts_at")
    live = {Strike.Status.ANNOUNCED, Strike.Status.CONFIRMED}
    groups: dict[str, list[Strike]] = {"current": [], "upcoming": [], "past": []}
    for strike in strikes:
        if strike.status in live and strike.starts_at <= now < strike.ends_at:
            groups["current"].append(strike)
        elif strike.status in live and now < strike.starts_at:
            groups["upcoming"].append(strike)
        else:
            groups["past"].append(strike)
    groups["past"].reverse()
    return groups
