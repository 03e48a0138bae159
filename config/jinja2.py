"""Jinja2 environment for the public and staff pages (NHS.UK design system macros)."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader


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
    return env
