"""What the strike commands share: naming a strike and a user at the command line, and
printing counts so that a person can read them."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser

from strikes.models import Strike
from strikes.selectors import StrikeNotFound, strike_by_id_or_title

from ..services import ImpactCounts


def add_strike_argument(parser: CommandParser) -> None:
    parser.add_argument("strike", help="The strike's id (UUID) or its exact title.")


def add_user_argument(parser: CommandParser) -> None:
    parser.add_argument(
        "--user",
        required=True,
        help="Username of the person acting: the change is recorded as theirs and limited "
        "to what they may do.",
    )


def strike_named(text: str) -> Strike:
    try:
        return strike_by_id_or_title(text)
    except StrikeNotFound as error:
        raise CommandError(str(error)) from None


def user_named(username: str) -> Any:
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"No active user is called {username!r}.")
    return user


def counts_table(title: str, rows: Mapping[str, ImpactCounts]) -> Iterable[str]:
    """Aligned columns with thousands separators, one row per key, then the total."""
    headings = ("in strike", "exempt", "at risk", "going ahead", "postponed")
    width = max([len(title), *(len(key) for key in rows)], default=len(title))
    yield f"{title:<{width}}  " + "  ".join(f"{h:>11}" for h in headings)
    for key, counts in rows.items():
        yield f"{key:<{width}}  " + "  ".join(f"{n:>11,}" for n in _figures(counts))


def _figures(counts: ImpactCounts) -> tuple[int, ...]:
    return (counts.in_strike, counts.exempt, counts.at_risk, counts.going_ahead, counts.postponed)
