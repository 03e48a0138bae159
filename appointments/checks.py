"""Configuration mistakes that would leave patients untold, caught by ``manage.py check``
(which migrate and the servers run) instead of by an overdue notice."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

from .notices.backends import BACKENDS

LETTER_ROUTES = ("provider", "print")


@register(Tags.compatibility)
def notice_settings_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    backend = settings.STRIKEDESK_NOTICE_BACKEND
    if backend not in BACKENDS and "." not in backend:
        errors.append(
            Error(
                f"STRIKEDESK_NOTICE_BACKEND is {backend!r}.",
                hint=f"Use one of {', '.join(BACKENDS)}, or a dotted path to a backend class.",
                id="strikedesk.E001",
            )
        )
    if backend == "notify":
        missing = [
            name
            for name, value in (
                ("NOTIFY_API_KEY", settings.NOTIFY_API_KEY),
                ("NOTIFY_TEMPLATE_SMS", settings.NOTIFY_TEMPLATE_IDS.get("sms")),
                ("NOTIFY_TEMPLATE_EMAIL", settings.NOTIFY_TEMPLATE_IDS.get("email")),
                ("NOTIFY_CALLBACK_TOKEN", settings.NOTIFY_CALLBACK_TOKEN),
            )
            if not value
        ]
        if settings.STRIKEDESK_LETTERS == "provider" and not settings.NOTIFY_TEMPLATE_IDS.get(
            "letter"
        ):
            missing.append("NOTIFY_TEMPLATE_LETTER")
        if missing:
            errors.append(
                Error(
                    "Notices are sent through GOV.UK Notify, but "
                    + ", ".join(missing)
                    + (" is" if len(missing) == 1 else " are")
                    + " not set: patients would not be told.",
                    hint="See 'Patient notices' in README.md, or set "
                    "STRIKEDESK_NOTICE_BACKEND=outbox to try the stack without sending.",
                    id="strikedesk.E002",
                )
            )
    if settings.STRIKEDESK_NOTICE_CLAIM_TIMEOUT <= settings.STRIKEDESK_NOTICE_DISPATCH_HARD_LIMIT:
        errors.append(
            Error(
                f"STRIKEDESK_NOTICE_CLAIM_TIMEOUT ({settings.STRIKEDESK_NOTICE_CLAIM_TIMEOUT} s) "
                "is not longer than a dispatch task may run "
                f"({settings.STRIKEDESK_NOTICE_DISPATCH_HARD_LIMIT} s): the sweep would take "
                "notices from live workers and patients would get them twice.",
                hint="Leave it unset, or raise it above the dispatch task's hard limit.",
                id="strikedesk.E004",
            )
        )
    if settings.STRIKEDESK_LETTERS not in LETTER_ROUTES:
        errors.append(
            Error(
                f"STRIKEDESK_LETTERS is {settings.STRIKEDESK_LETTERS!r}.",
                hint="Use 'provider' (the backend sends letters) or 'print' (printed in house).",
                id="strikedesk.E003",
            )
        )
    return errors


@register(Tags.security)
def status_check_limits_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """The status page refuses every check it cannot count (ADR 006): a store it cannot
    build would turn the busiest public page into an error page."""
    store = settings.STRIKEDESK_CHECK_LIMIT_STORE
    if store == "database" or (store == "redis" and settings.STRIKEDESK_CHECK_LIMIT_REDIS_URL):
        return []
    return [
        Error(
            f"STRIKEDESK_CHECK_LIMIT_STORE is {store!r}"
            + (" with no STRIKEDESK_CHECK_LIMIT_REDIS_URL." if store == "redis" else "."),
            hint="Use 'redis' with a Redis URL (production) or 'database'.",
            id="strikedesk.E005",
        )
    ]
