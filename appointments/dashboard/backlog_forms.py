"""The backlog page's filters and the reschedule form, checked for shape only.

The rules about who may move which booking stay in appointments/services.py; these forms
turn what was typed (a date in three boxes, a time like "9:30am") into an aware datetime
in Europe/London, with the design system's wording when it cannot.
"""

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from strikes.models import LONDON, Strike
from trusts.models import Service, Site, Trust

from .backlog_queries import BacklogFilters

StrOrPromise = str | Promise

# The "still waiting N days after the strike" choices: a week, a fortnight, the NHS's
# 28-day standard for a cancelled operation, and eight weeks.
WAIT_DAYS = (7, 14, 28, 56)
DEFAULT_WAIT_DAYS = 28
DATE_PARTS = ("day", "month", "year")
# Rebooking is weeks or months ahead; a year further out is almost surely a typing slip.
MOST_YEARS_AHEAD = 2

MISSING_PARTS = {
    ("day",): _("Date must include a day"),
    ("month",): _("Date must include a month"),
    ("year",): _("Date must include a year"),
    ("day", "month"): _("Date must include a day and month"),
    ("day", "year"): _("Date must include a day and year"),
    ("month", "year"): _("Date must include a month and year"),
}

_TWELVE_HOUR = re.compile(r"\A(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?m\.?\Z")
_TWENTY_FOUR_HOUR = re.compile(r"\A(\d{1,2})(?:[:.](\d{2}))?\Z|\A(\d{2})(\d{2})\Z")
_NAMED_TIMES = {"midday": (12, 0), "noon": (12, 0), "12 noon": (12, 0), "midnight": (0, 0)}


class BacklogFilterForm(forms.Form):
    """The filters, as GET parameters; a value the user may not choose is an error."""

    trust = forms.ChoiceField(required=False)
    strike = forms.ChoiceField(required=False)
    service = forms.ChoiceField(required=False)
    site = forms.ChoiceField(required=False)
    after_days = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[(str(days), str(days)) for days in WAIT_DAYS],
    )

    def __init__(
        self,
        data: Any,
        *,
        trusts: Iterable[Trust],
        strikes: Iterable[Strike],
        services: Iterable[Service],
        sites: Iterable[Site],
    ) -> None:
        super().__init__(data)
        self.trusts = {trust.ods_code: trust for trust in trusts}
        self.strikes = {str(strike.public_id): strike for strike in strikes}
        self.services = list(services)
        self.sites = list(sites)
        choices = {
            "trust": self.trusts,
            "strike": self.strikes,
            "service": [service.code for service in self.services],
            "site": [site.code for site in self.sites],
        }
        messages = {
            "trust": _("Choose a trust from the list"),
            "strike": _("Choose a strike from the list"),
            "service": _("Choose a service from the list"),
            "site": _("Choose a site from the list"),
        }
        for name, values in choices.items():
            field = self.fields[name]
            field.choices = [("", "")] + [(value, value) for value in values]  # type: ignore[attr-defined]
            field.error_messages["invalid_choice"] = messages[name]
        self.fields["after_days"].error_messages["invalid_choice"] = _(
            "Choose 7, 14, 28 or 56 days"
        )

    def filters(self) -> BacklogFilters:
        """The valid filters; one in error is left out (and shown as an error)."""
        self.is_valid()
        cleaned = self.cleaned_data
        return BacklogFilters(
            trust=self.trusts.get(cleaned.get("trust") or ""),
            strike=self.strikes.get(cleaned.get("strike") or ""),
            service_code=cleaned.get("service") or None,
            site_code=cleaned.get("site") or None,
        )

    @property
    def days_after(self) -> int:
        self.is_valid()
        return self.cleaned_data.get("after_days") or DEFAULT_WAIT_DAYS

    @property
    def value_of(self) -> dict[str, str]:
        """What each select shows as chosen (the valid value, else nothing)."""
        self.is_valid()
        return {name: str(self.cleaned_data.get(name) or "") for name in self.fields}


class RescheduleForm(forms.Form):
    day = forms.CharField(required=False, strip=True)
    month = forms.CharField(required=False, strip=True)
    year = forms.CharField(required=False, strip=True)
    time = forms.CharField(required=False, strip=True)
    site = forms.ChoiceField()

    def __init__(
        self,
        data: Any = None,
        *,
        sites: Iterable[Site],
        current_site: Site,
        now: dt.datetime | None = None,
    ) -> None:
        super().__init__(data, initial={"site": current_site.code})
        self.now = now or timezone.now()
        self.sites = {site.code: site for site in sites}
        site_field = self.fields["site"]
        site_field.choices = [(code, code) for code in self.sites]  # type: ignore[attr-defined]
        site_field.error_messages["invalid_choice"] = _(
            "Choose one of %(trust)s's sites from the list"
        ) % {"trust": current_site.trust.name}
        site_field.error_messages["required"] = site_field.error_messages["invalid_choice"]
        # Which of day, month and year to outline in red, as the design system asks.
        self.date_parts_in_error: set[str] = set()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date = self._date(cleaned)
        time = self._time(cleaned.get("time", ""))
        if date is None or time is None:
            return cleaned
        starts_at = _london(date, time)
        if starts_at is None:
            self.add_error(
                "time",
                _(
                    "%(time)s does not exist on that day because the clocks go forward. "
                    "Choose another time"
                )
                % {"time": cleaned["time"]},
            )
        elif starts_at <= self.now:
            self.add_error("time", _("The new time must be in the future"))
        else:
            cleaned["starts_at"] = starts_at
        return cleaned

    def clean_site(self) -> Site:
        return self.sites[self.cleaned_data["site"]]

    def _date(self, cleaned: dict[str, Any]) -> dt.date | None:
        parts = {part: cleaned.get(part, "") for part in DATE_PARTS}
        missing = [part for part in DATE_PARTS if not parts[part]]
        if len(missing) == len(DATE_PARTS):
            self._date_error(_("Enter the new date"), DATE_PARTS)
            return None
        if missing:
            self._date_error(MISSING_PARTS[tuple(missing)], missing)
            return None
        not_numbers = [p for p in DATE_PARTS if not (parts[p].isascii() and parts[p].isdigit())]
        if not_numbers:
            self._date_error(_("Date must be a real date"), not_numbers)
            return None
        if len(parts["year"]) != 4:
            self._date_error(_("Year must include 4 numbers"), ["year"])
            return None
        try:
            date = dt.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        except ValueError:
            self._date_error(_("Date must be a real date"), DATE_PARTS)
            return None
        today = self.now.astimezone(LONDON).date()
        if date < today:
            self._date_error(_("Date must be today or in the future"), DATE_PARTS)
            return None
        if date.year > today.year + MOST_YEARS_AHEAD:
            self._date_error(
                _("Date must be within the next %(years)s years") % {"years": MOST_YEARS_AHEAD},
                ["year"],
            )
            return None
        return date

    def _date_error(self, message: StrOrPromise, parts: Iterable[str]) -> None:
        self.date_parts_in_error.update(parts)
        self.add_error("day", str(message))

    def _time(self, typed: str) -> dt.time | None:
        if not typed:
            self.add_error("time", _("Enter the new time"))
            return None
        time = parse_time(typed)
        if time is None:
            self.add_error("time", _("Enter a real time, like 9:30am or 14:30"))
        return time

    @property
    def date_error(self) -> str | None:
        errors = self.errors.get("day")
        return str(errors[0]) if errors else None

    def error_of(self, name: str) -> str | None:
        errors = self.errors.get(name)
        return str(errors[0]) if errors else None


def parse_time(typed: str) -> dt.time | None:
    """ "9am", "9:30am", "9.30 pm", "14:30", "1430", "midday" -> a time; else None."""
    text = " ".join(typed.lower().split())
    if text in _NAMED_TIMES:
        return dt.time(*_NAMED_TIMES[text])
    if match := _TWELVE_HOUR.match(text):
        hour, minute = int(match[1]), int(match[2] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            return None
        return dt.time(hour % 12 + (12 if match[3] == "p" else 0), minute)
    if match := _TWENTY_FOUR_HOUR.match(text):
        hour = int(match[1] or match[3])
        minute = int(match[2] or match[4] or 0)
        if hour > 23 or minute > 59:
            return None
        return dt.time(hour, minute)
    return None


def _london(date: dt.date, time: dt.time) -> dt.datetime | None:
    """The moment ``date`` at ``time`` in the UK; None for a time the clocks skip. An hour
    the clocks go through twice is its first (summer time) occurrence."""
    local = dt.datetime.combine(date, time, tzinfo=LONDON)
    if local.astimezone(dt.UTC).astimezone(LONDON).replace(tzinfo=None) != local.replace(
        tzinfo=None
    ):
        return None
    return local
