"""Guessing limits on the status page, on both stores: at most 5 failed checks per booking
reference in any 24 hours, 30 per client address in any hour; successes do not count."""

import datetime as dt
import logging
import uuid
from collections.abc import Iterator

import pytest
import redis

from appointments.status_check.attempts import (
    Attempt,
    AttemptStoreUnavailable,
    Refused,
    attempt_start,
    attempt_succeeded,
    lockout_lift,
)
from appointments.status_check.models import CheckFailure, CheckLockout

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 20, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@pytest.fixture(
    params=["database", pytest.param("redis", marks=pytest.mark.redis)],
)
def store(request: pytest.FixtureRequest, settings) -> Iterator[str]:
    settings.STRIKEDESK_CHECK_LIMIT_STORE = request.param
    if request.param == "database":
        yield request.param
        return
    prefix = f"test-{uuid.uuid4().hex}:"
    settings.STRIKEDESK_CHECK_LIMIT_REDIS_URL = settings.CELERY_BROKER_URL
    settings.STRIKEDESK_CHECK_LIMIT_KEY_PREFIX = prefix
    yield request.param
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)


def reference() -> str:
    return uuid.uuid4().hex[:12].upper()


def fail(ref: str, at: dt.datetime, address: str = "203.0.113.7") -> Attempt | Refused:
    """A check whose details do not match: started, never marked succeeded."""
    return attempt_start(reference=ref, address=address, now=at)


@pytest.mark.usefixtures("store")
def test_five_failures_lock_the_reference_until_the_oldest_is_24_hours_old():
    ref = reference()
    for n in range(5):
        assert isinstance(fail(ref, T0 + n * MINUTE), Attempt)

    refused = fail(ref, T0 + 2 * HOUR)
    assert refused == Refused(scope="reference", retry_at=T0 + DAY)
    assert refused.retry_at.utcoffset() == dt.timedelta(0)
    assert fail(ref, T0 + DAY - dt.timedelta(microseconds=1)) == refused
    # The oldest failure has left the window: one more check, and then the next oldest.
    assert isinstance(fail(ref, T0 + DAY), Attempt)
    assert fail(ref, T0 + DAY + dt.timedelta(seconds=1)) == Refused(
        scope="reference", retry_at=T0 + MINUTE + DAY
    )


@pytest.mark.usefixtures("store")
def test_a_successful_check_gives_back_its_reservation():
    ref = reference()
    for n in range(4):
        assert isinstance(fail(ref, T0 + n * MINUTE), Attempt)
    matched = fail(ref, T0 + 5 * MINUTE)
    assert isinstance(matched, Attempt)
    attempt_succeeded(matched)

    assert isinstance(fail(ref, T0 + 6 * MINUTE), Attempt)  # the 5th failure, not the 6th
    assert isinstance(fail(ref, T0 + 7 * MINUTE), Refused)


@pytest.mark.usefixtures("store")
def test_the_window_slides_where_a_daily_bucket_would_have_reset():
    ref = reference()
    for n in range(3):  # Monday evening
        assert isinstance(fail(ref, T0 + n * MINUTE), Attempt)
    tuesday = T0 + 5 * HOUR  # 01:00 on Tuesday: a new calendar day
    for n in range(2):
        assert isinstance(fail(ref, tuesday + n * MINUTE), Attempt)

    assert fail(ref, tuesday + HOUR) == Refused(scope="reference", retry_at=T0 + DAY)


@pytest.mark.usefixtures("store")
def test_five_failures_from_five_addresses_lock_the_reference_for_every_address():
    ref = reference()
    for n in range(5):
        assert isinstance(fail(ref, T0 + n * MINUTE, address=f"198.51.100.{n}"), Attempt)

    refused = fail(ref, T0 + HOUR, address="192.0.2.99")
    assert refused == Refused(scope="reference", retry_at=T0 + DAY)


@pytest.mark.usefixtures("store")
def test_one_address_trying_many_references_is_stopped_after_30_in_an_hour():
    for n in range(30):
        assert isinstance(fail(reference(), T0 + n * MINUTE), Attempt), n

    assert fail(reference(), T0 + 45 * MINUTE) == Refused(scope="address", retry_at=T0 + HOUR)
    assert isinstance(fail(reference(), T0 + 45 * MINUTE, address="203.0.113.8"), Attempt)
    assert isinstance(fail(reference(), T0 + HOUR), Attempt)


@pytest.mark.usefixtures("store")
def test_refused_requests_use_up_neither_the_address_nor_the_reference(settings):
    settings.STRIKEDESK_CHECK_ADDRESS_LIMIT = 3
    locked = reference()
    for n in range(5):
        fail(locked, T0 + n * MINUTE, address=f"198.51.100.{n}")
    for n in range(10):  # a locked reference, asked about again and again
        assert fail(locked, T0 + HOUR + n * MINUTE, address="192.0.2.1").scope == "reference"
    for _ in range(3):  # ...has not used any of this address's 3
        assert isinstance(fail(reference(), T0 + 2 * HOUR, address="192.0.2.1"), Attempt)

    # This address is now at its limit: what it asks about next is not counted against
    # that reference, which still has its five checks for everyone else.
    other = reference()
    for _ in range(10):
        assert fail(other, T0 + 2 * HOUR, address="192.0.2.1").scope == "address"
    for n in range(5):
        assert isinstance(fail(other, T0 + 2 * HOUR, address=f"198.51.100.{n}"), Attempt)


@pytest.mark.usefixtures("store")
def test_a_burst_of_refusals_is_one_lockout_row_counting_them():
    ref = reference()
    for n in range(5):
        fail(ref, T0 + n * MINUTE)
    for n in range(100):
        assert isinstance(fail(ref, T0 + HOUR + n * dt.timedelta(seconds=1)), Refused)

    lockout = CheckLockout.objects.get()
    assert (lockout.scope, lockout.key) == ("reference", ref)
    assert lockout.refused_count == 100
    assert lockout.first_refused_at == T0 + HOUR
    assert lockout.locked_until == T0 + DAY

    # Still hammering as places free up: the same lockout, now longer.
    assert isinstance(fail(ref, T0 + DAY), Attempt)
    assert fail(ref, T0 + DAY + dt.timedelta(seconds=30)) == Refused(
        scope="reference", retry_at=T0 + MINUTE + DAY
    )
    assert CheckLockout.objects.get().locked_until == T0 + MINUTE + DAY
    # Locked again long after the last one ended: a lockout of its own.
    later = T0 + 10 * DAY
    for n in range(5):
        fail(ref, later + n * MINUTE)
    fail(ref, later + HOUR)
    rows = list(CheckLockout.objects.order_by("first_refused_at"))
    assert [(row.refused_count, row.current) for row in rows] == [(101, False), (1, True)]


@pytest.mark.usefixtures("store")
def test_lifting_a_lockout_lets_the_next_check_through():
    ref = reference()
    for n in range(5):
        fail(ref, T0 + n * MINUTE)
    fail(ref, T0 + HOUR)
    lockout = CheckLockout.objects.get()

    lockout_lift(lockout)

    assert isinstance(fail(ref, T0 + HOUR + MINUTE), Attempt)
    lockout.refresh_from_db()
    assert lockout.lifted_at is not None
    assert not lockout.current


@pytest.mark.usefixtures("store")
def test_logs_never_carry_the_reference_or_the_address(caplog):
    ref = reference()
    caplog.set_level(logging.DEBUG)
    for n in range(6):
        fail(ref, T0 + n * MINUTE, address="2001:db8:7:7::/64")
    lockout_lift(CheckLockout.objects.get())

    assert "refused by the reference limit" in caplog.text
    assert ref not in caplog.text
    assert "2001:db8" not in caplog.text


def test_expired_failures_are_deleted_so_the_table_stays_small(settings):
    settings.STRIKEDESK_CHECK_LIMIT_STORE = "database"
    for n in range(40):  # each a different reference, never asked about again
        fail(reference(), T0 + n * MINUTE, address=f"198.51.100.{n}")
    assert CheckFailure.objects.count() == 80

    fail(reference(), T0 + 2 * DAY)

    assert CheckFailure.objects.count() == 2


def test_an_unreachable_redis_refuses_with_its_own_error(settings):
    settings.STRIKEDESK_CHECK_LIMIT_STORE = "redis"
    settings.STRIKEDESK_CHECK_LIMIT_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens

    with pytest.raises(AttemptStoreUnavailable):
        attempt_start(reference=reference(), address="203.0.113.7")
    # A success whose release is lost still shows the patient their answer.
    attempt_succeeded(Attempt(keys=("check:ref:X",), token="t"))
