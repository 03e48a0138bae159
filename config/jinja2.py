"""Jinja2 environment for the public and staff pages (NHS.UK design system macros)."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader

from appointments.references import format_booking_reference


def environment(**options: Any) -> Environment:
    options["loader"] = ChoiceLoader(
        [options["loader"], PackageLoader("nhsuk_frontend_jinja", "templates")]
    )
    # The nhsuk macros read optional parameters through chains of attributes.
    options["undefined"] = ChainableUndefined
    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    options.pop("autoescape", None)
    env = Environment(autoescape=True, **options)
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        {
            "static": static,
            "static_url": settings.STATIC_URL,
            "url": reverse,
            "get_messages": messages.get_messages,
        }
    )
    env.filters["localtime"] = timezone.localtime
    env.filters["long_date"] = long_date
    env.filters["clock_time"] = clock_time
    env.filters["booking_reference"] = format_booking_reference
    return env


def long_date(moment: dt.datetime | dt.date) -> str:
    """ "Tuesday 3 June 2025" in UK time, as the NHS style guide writes dates."""
    if isinstance(moment, dt.datetime):
        moment = timezone.localtime(moment)
    return date_format(moment, "l j F Y")


def clock_time(moment: dt.datetime) -> str:
    """ "9am", "2:30pm", "midday", "midnight" in UK time (NHS style guide)."""
    local = timezone.localtime(moment)
    if (local.hour, local.minute) == (12, 0):
        return gettext("midday")
    if (local.hour, local.minute) == (0, 0):
        return gettext("midnight")
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    if local.hour < 12:
        return gettext("%(hour)s%(minutes)sam") % {"hour": hour, "minutes": minutes}
    return gettext("%(hour)s%(minutes)spm") % {"hour": hour, "minutes": minutes}
