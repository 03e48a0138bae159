"""Twenty checks of one booking reference at the same moment: exactly five get through.

Each thread has its own database connection, so the test needs committed data
(``transaction=True``) and a server that runs them at once: PostgreSQL for the database
store (SQLite runs one writer at a time by design), Redis for the Redis store.
"""

import threading
import uuid
from collections.abc import Iterator

import pytest
import redis
from django.db import connection

from appointments.status_check.attempts import Attempt, Refused, attempt_start
from appointments.status_check.models import CheckFailure, CheckLockout

COPIES = 20


def all_at_once(reference: str) -> list[object]:
    start = threading.Barrier(COPIES)
    results: list[object] = [None] * COPIES

    def run(slot: int) -> None:
        try:
            start.wait(timeout=10)
            results[slot] = attempt_start(reference=reference, address="203.0.113.7")
        except Exception as error:  # reported by the assertions
            results[slot] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(COPIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def assert_exactly_five_got_through(reference: str, results: list[object]) -> None:
    assert not [r for r in results if not isinstance(r, Attempt | Refused)], results
    assert sum(isinstance(r, Attempt) for r in results) == 5
    refused = [r for r in results if isinstance(r, Refused)]
    assert {r.scope for r in refused} == {"reference"}
    lockout = CheckLockout.objects.get()
    assert (lockout.key, lockout.refused_count) == (reference, 15)


@pytest.fixture
def redis_store(settings) -> Iterator[None]:
    prefix = f"test-{uuid.uuid4().hex}:"
    settings.STRIKEDESK_CHECK_LIMIT_STORE = "redis"
    settings.STRIKEDESK_CHECK_LIMIT_REDIS_URL = settings.CELERY_BROKER_URL
    settings.STRIKEDESK_CHECK_LIMIT_KEY_PREFIX = prefix
    yield
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_database_store_lets_exactly_five_of_twenty_simultaneous_checks_through(settings):
    settings.STRIKEDESK_CHECK_LIMIT_STORE = "database"
    reference = uuid.uuid4().hex[:12].upper()

    results = all_at_once(reference)

    assert_exactly_five_got_through(reference, results)
    assert CheckFailure.objects.filter(key=f"check:ref:{reference}").count() == 5
    # The fifteen refused gave back what they had reserved on the address.
    assert CheckFailure.objects.filter(key="check:addr:203.0.113.7").count() == 5


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("redis_store")
def test_redis_store_lets_exactly_five_of_twenty_simultaneous_checks_through():
    # PostgreSQL as well: each refusal writes its lockout row from its own thread, and
    # the test database on SQLite (in memory, shared cache) fails such concurrent writes
    # at once with "table is locked" where a real SQLite file would wait its turn.
    reference = uuid.uuid4().hex[:12].upper()

    results = all_at_once(reference)

    assert_exactly_five_got_through(reference, results)
    assert not CheckFailure.objects.exists()
