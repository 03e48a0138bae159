"""The small interface every way of sending a notice implements, and the choice of one.

A backend takes a composed ``Message`` and returns the provider's reference for it, or
raises ``SendFailed`` saying whether trying again later could help. Backends never
decide what to send or record anything: dispatch does both.
"""

from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from ..messages import Message

BACKENDS = {
    "outbox": "appointments.notices.backends.outbox.OutboxBackend",
    "notify": "appointments.notices.backends.notify.NotifyBackend",
}


class SendFailed(Exception):
    """The message did not go. ``transient`` failures (a provider outage, a timeout, rate
    limiting) are tried again later; others (a refused number, a bad template) are not.
    The text is kept on the notice, so it must carry no personal data."""

    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


class NoticeBackend(Protocol):
    def send(self, message: Message) -> str:
        """Send ``message``; return the provider's reference for it."""
        ...


@cache
def configured_backend() -> NoticeBackend:
    """The backend ``STRIKEDESK_NOTICE_BACKEND`` names ("outbox", "notify", or a dotted
    path), made once per process."""
    name = settings.STRIKEDESK_NOTICE_BACKEND
    return import_string(BACKENDS.get(name, name))()
