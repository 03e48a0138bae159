"""What the status page's guessing limits keep in the database.

``CheckFailure`` is the database store's counter (attempts.py): one row per failed
check, per key. Redis keeps the same thing in a sorted set in production, so the table is
empty there. ``CheckLockout`` is what staff see in the admin: one row per sustained
lockout of a booking reference or a client address, whichever store counted it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class CheckFailure(models.Model):
    """One counted failure (or a reservation not yet released) against one key."""

    key = models.CharField(max_length=100, help_text='e.g. "check:ref:<REFERENCE>".')
    at = models.DateTimeField()
    # Which attempt made the row, so a success releases its own reservation only.
    token = models.CharField(max_length=32)

    class Meta:
        indexes = [
            models.Index(fields=["key", "at"], name="check_failure_key_at"),
            # The sweep of rows whose key is never asked about again.
            models.Index(fields=["at"], name="check_failure_at"),
        ]

    def __str__(self) -> str:
        return f"failure {self.pk}"


class LockoutScope(models.TextChoices):
    REFERENCE = "reference", "booking reference"
    ADDRESS = "address", "client address"


class CheckLockout(models.Model):
    scope = models.CharField(max_length=10, choices=LockoutScope.choices)
    key = models.CharField(
        max_length=100, help_text="The booking reference, or the client address (/64 for IPv6)."
    )
    first_refused_at = models.DateTimeField()
    locked_until = models.DateTimeField(
        help_text="When the oldest counted failure leaves the window, as last refused."
    )
    refused_count = models.PositiveIntegerField(default=1)
    # The row later refusals of the same key add to. Closed when staff lift it, or when a
    # refusal comes long after it ended (a new lockout then gets a row of its own).
    current = models.BooleanField(default=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-first_refused_at", "-id"]
        constraints = [
            # Concurrent refusals of one key add to one row, never make a second one.
            models.UniqueConstraint(
                fields=["scope", "key"],
                condition=Q(current=True),
                name="check_lockout_one_current_per_key",
            ),
            models.CheckConstraint(
                condition=Q(scope__in=LockoutScope.values), name="check_lockout_scope_valid"
            ),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True) | Q(current=False),
                name="check_lockout_lifted_is_closed",
            ),
        ]
        indexes = [models.Index(fields=["key"], name="check_lockout_key")]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} lockout {self.pk}"
