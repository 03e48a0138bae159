"""Reads about strikes."""

import uuid
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


class StrikeNotFound(LookupError):
    pass


def strike_by_id_or_title(text: str) -> Strike:
    """The strike a person named at the command line: its id (UUID) or its exact title."""
    text = text.strip()
    try:
        return Strike.objects.get(public_id=uuid.UUID(text))
    except ValueError:
        pass  # not a UUID, so a title
    except Strike.DoesNotExist:
        raise StrikeNotFound(f"No strike has the id {text}.") from None
    matches = list(Strike.objects.filter(title__iexact=text)[:2])
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise StrikeNotFound(f"More than one strike is called {text!r}; give its id instead.")
    raise StrikeNotFound(
        f"No strike is called {text!r}. `manage.py strike_report --list` lists them with ids."
    )
