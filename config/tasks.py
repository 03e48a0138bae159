"""Tasks about the platform itself rather than any one app."""

from celery import shared_task
from django.db import connection


@shared_task(name="strikedesk.worker_probe")
def worker_probe() -> dict[str, object]:
    """Prove a worker can reach the broker and the database: returns what it sees there.

    The operations runbook and the end-to-end wiring test use it; it writes nothing.
    """
    from trusts.models import Trust

    return {"database": connection.vendor, "trusts": Trust.objects.count()}
