"""GOV.UK Notify: text messages, emails and letters through ``notifications-python-client``.

Each channel has one Notify template whose content is ``((message))`` (emails:
subject ``((subject))``), because the wording is ours and is composed in
``messages.py``. The ``reference`` Notify stores and echoes in callbacks is the notice
id, never personal data.
"""

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
TRANSIENT_STATUS = {429} | set(range(500, 600))


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
                f"No Notify template is configured for {message.channel} "
                f"(NOTIFY_TEMPLATE_{message.channel.upper()}).",
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
            # Notify's error text names the field at fault, not the patient.
            raise SendFailed(
                f"Notify answered {error.status_code}: {error.message}"[:500],
                transient=error.status_code in TRANSIENT_STATUS,
            ) from error
        return str(response["id"])


def _address(lines: tuple[str, ...]) -> dict[str, str]:
    """Notify's address_line_1..7, the postcode last; surplus middle lines are joined."""
    *head, postcode = lines
    room = NOTIFY_ADDRESS_LINES - 1
    if len(head) > room:
        head = [*head[: room - 1], ", ".join(head[room - 1 :])]
    return {f"address_line_{n}": line for n, line in enumerate([*head, postcode], 1)}
