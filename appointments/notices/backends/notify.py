"""GOV.UK Notify: text messages, emails and letters through ``notifications-python-client``.

Each channel has one Notify template whose content is ``((message))`` (emails:
subject ``((subject))``), because the wording is ours and is composed in
``messages.py``. The ``reference`` Notify stores and echoes in callbacks is the notice
id, never personal data.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from appointments.models import Channel

from ..messages import Message
from . import SendFailed

# Notify takes up to 7 address lines, the last of which must be the postcode.
NOTIFY_ADDRESS_LINES = 7
# Worth trying again: rate limited, or the provider (or the network to it) is down.
# 403 too: Notify refuses the key or the clock of this server, which is a fault of the
# configuration that staff can put right, not of the notice, so every notice must not be
# failed for good at the first refusal.
TRANSIENT_STATUS = {403, 429} | set(range(500, 600))
# Notify's own errors are short and name the field at fault; this bounds what we keep.
LONGEST_REASON = 500


class NotifyBackend:
    def __init__(self) -> None:
        if not settings.NOTIFY_API_KEY:
            raise ImproperlyConfigured(
                "STRIKEDESK_NOTICE_BACKEND is 'notify' but NOTIFY_API_KEY is not set."
            )
        self.templates = settings.NOTIFY_TEMPLATE_IDS
        self.client = NotificationsAPIClient(
            settings.NOTIFY_API_KEY,
            base_url=settings.NOTIFY_BASE_URL,
            timeout=settings.NOTIFY_TIMEOUT_SECONDS,
        )

    def send(self, message: Message) -> str:
        template_id = self.templates.get(message.channel)
        if not template_id:
            raise SendFailed(
                f"No Notify template is configured for {message.channel}: set "
                f"NOTIFY_TEMPLATE_{message.channel.upper()} (NOTIFY_TEMPLATE_IDS).",
                transient=False,
            )
        reference = str(message.notice_id)
        personalisation = {"subject": message.subject, "message": message.body}
        try:
            if message.channel == Channel.SMS:
                response = self.client.send_sms_notification(
                    message.to, template_id, {"message": message.body}, reference
                )
            elif message.channel == Channel.EMAIL:
                response = self.client.send_email_notification(
                    message.to, template_id, personalisation, reference
                )
            elif message.channel == Channel.LETTER:
                response = self.client.send_letter_notification(
                    template_id, {**personalisation, **_address(message.address_lines)}, reference
                )
            else:
                raise SendFailed(f"Notify cannot send by {message.channel}.", transient=False)
        except APIError as error:
            raise _failure(error) from error
        return str(response["id"])


def _failure(error: APIError) -> SendFailed:
    if error.response is None:
        # The client reports a refused connection or a timeout as a made-up 503; say
        # what happened instead, by the exception's type (its text holds the URL only,
        # but the type is all staff need).
        cause = type(error.__cause__).__name__ if error.__cause__ else "no answer"
        return SendFailed(f"Could not reach GOV.UK Notify ({cause}).", transient=True)
    return SendFailed(
        f"Notify answered {error.status_code}: {_error_text(error.message)}"[:LONGEST_REASON],
        transient=error.status_code in TRANSIENT_STATUS,
    )


def _error_text(message: Any) -> str:
    """Notify's ``errors`` list as plain text: its errors name the field at fault and
    the rule it broke, never the recipient."""
    if isinstance(message, list):
        parts = [
            ": ".join(str(item[key]) for key in ("error", "message") if item.get(key))
            if isinstance(item, dict)
            else str(item)
            for item in message
        ]
        return "; ".join(part for part in parts if part) or "no detail"
    return str(message)


def _address(lines: tuple[str, ...]) -> dict[str, str]:
    """Notify's address_line_1..7, the postcode last; surplus middle lines are joined."""
    *head, postcode = lines
    room = NOTIFY_ADDRESS_LINES - 1
    if len(head) > room:
        head = [*head[: room - 1], ", ".join(head[room - 1 :])]
    return {f"address_line_{n}": line for n, line in enumerate([*head, postcode], 1)}
