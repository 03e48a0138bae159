"""Limits on guessing at the patient status page.

Two sliding windows, both counting failed checks only: at most
``STRIKEDESK_CHECK_REFERENCE_LIMIT`` per booking reference in any
``..._REFERENCE_WINDOW_SECONDS`` (5 in 24 hours), and at most ``..._ADDRESS_LIMIT`` per
client address in any ``..._ADDRESS_WINDOW_SECONDS`` (30 an hour: a hospital's Wi-Fi or a
mobile network's NAT puts many honest patients behind one address).

A check reserves a failure against both keys *before* the lookup, in one atomic step
with the test of the limits, and a success gives the reservation back. Counting after
the lookup instead would let twenty parallel requests all pass the test before any of
them is counted.

Two stores behind one interface (``_Store``): Redis in production (a sorted set per key
holding one member per failure, scored by its time), and the database on the embedded
default (``CheckFailure`` rows). Both are shared by every process, which an in-memory
counter would not be.
"""

import datetime as dt
import hashlib
import hmac
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import redis
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from .models import CheckFailure, CheckLockout, LockoutScope

logger = logging.getLogger(__name__)

KEY_PREFIXES: dict[str, str] = {
    LockoutScope.REFERENCE: "check:ref:",
    LockoutScope.ADDRESS: "check:addr:",
}
# Longer than any real reference or address; longer input is cut rather than refused, so a
# caller that forgot to validate gets a coarser counter, not an error page.
MAX_KEY_INPUT = 64
# Expired rows of keys nobody asks about again, deleted per allowed check: more than the
# two rows each check adds, so the table cannot grow without bound.
_SWEEP_BATCH = 100
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


class AttemptStoreUnavailable(Exception):
    """The counter cannot be reached: the view answers 503 "service busy, try later".

    Why not go on without it: checks let through uncounted while Redis is down are just
    what a guesser waits for. Why not count in the database meanwhile: the counts would
    be split between two stores, five guesses in each. A patient loses one retry.
    """


@dataclass(frozen=True)
class Refused:
    scope: str  # "reference" or "address": which limit refused
    retry_at: dt.datetime  # aware, UTC: when the oldest counted failure leaves the window


@dataclass(frozen=True)
class Attempt:
    """What ``attempt_succeeded`` gives back: this attempt's reservation on each key."""

    keys: tuple[str, ...]
    token: str


@dataclass(frozen=True)
class _Limit:
    scope: str
    key: str
    limit: int
    window: dt.timedelta


class _Store(Protocol):
    def reserve(
        self, limits: Sequence[_Limit], *, token: str, now: dt.datetime
    ) -> tuple[int, dt.datetime] | None:
        """Atomically: the index of the first limit already reached and when it frees a
        place; or, none reached, one failure recorded against every key and ``None``."""

    def release(self, keys: Sequence[str], *, token: str) -> None: ...

    def clear(self, keys: Sequence[str]) -> None: ...


def _retry_at(nth_oldest: dt.datetime, window: dt.timedelta) -> dt.datetime:
    return (nth_oldest + window).astimezone(dt.UTC)


class _DatabaseStore:
    """``CheckFailure`` rows. The test and the insert share one transaction that no other
    check of the same keys can interleave with: on SQLite every transaction is BEGIN
    IMMEDIATE (config/settings/base.py), which takes the write lock at the start; on
    PostgreSQL a transaction-scoped advisory lock per key, taken in one order so two
    checks never wait for each other's second lock."""

    def reserve(
        self, limits: Sequence[_Limit], *, token: str, now: dt.datetime
    ) -> tuple[int, dt.datetime] | None:
        try:
            with transaction.atomic():
                self._lock(sorted({limit.key for limit in limits}))
                for index, limit in enumerate(limits):
                    failures = CheckFailure.objects.filter(key=limit.key)
                    failures.filter(at__lte=now - limit.window).delete()
                    count = failures.count()
                    if count >= limit.limit:
                        # The failure whose expiry brings the count below the limit: the
                        # oldest, unless the limit was lowered since they were counted.
                        nth = failures.order_by("at", "id").values_list("at", flat=True)[
                            count - limit.limit
                        ]
                        return index, _retry_at(nth, limit.window)
                CheckFailure.objects.bulk_create(
                    [CheckFailure(key=limit.key, at=now, token=token) for limit in limits]
                )
                self._sweep(now - max(limit.window for limit in limits))
        except OperationalError as error:  # SQLite busy past its timeout, a lost server
            raise AttemptStoreUnavailable("the database did not answer") from error
        return None

    def release(self, keys: Sequence[str], *, token: str) -> None:
        try:
            CheckFailure.objects.filter(key__in=keys, token=token).delete()
        except OperationalError as error:
            raise AttemptStoreUnavailable("the database did not answer") from error

    def clear(self, keys: Sequence[str]) -> None:
        try:
            CheckFailure.objects.filter(key__in=keys).delete()
        except OperationalError as error:
            raise AttemptStoreUnavailable("the database did not answer") from error

    @staticmethod
    def _lock(keys: Sequence[str]) -> None:
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for key in keys:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])

    @staticmethod
    def _sweep(cutoff: dt.datetime) -> None:
        # SKIP LOCKED: a sweep never waits, so it cannot deadlock with a check deleting
        # the same key's rows. SQLite has no row locks and ignores it (one writer anyway).
        expired = list(
            CheckFailure.objects.filter(at__lte=cutoff)
            .order_by("at")
            .values_list("pk", flat=True)[:_SWEEP_BATCH]
            .select_for_update(skip_locked=True)
        )
        if expired:
            CheckFailure.objects.filter(pk__in=expired).delete()


# KEYS: the keys, in the order their limits are tested. ARGV: now (microseconds since the
# epoch), the attempt's token, then per key its limit and window (microseconds). Redis
# runs a script alone, so the test and the reservation are one step. Scores stay below
# 2**53, exact in Lua's doubles. A failure at t counts while now < t + window, as in SQL.
# "now" is the web server's clock, as for the database store, not Redis's.
_RESERVE_SCRIPT = """
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[2 * i + 1])
  local window = tonumber(ARGV[2 * i + 2])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count >= limit then
    local nth = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    return {i, nth[2]}
  end
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[2])
  redis.call('PEXPIRE', key, math.ceil(tonumber(ARGV[2 * i + 2]) / 1000))
end
return {0, '0'}
"""


@lru_cache(maxsize=8)
def _redis(url: str) -> tuple[redis.Redis, Any]:
    # One client (and connection pool) per process and URL. Short timeouts: a patient
    # waiting on a dead Redis should see "try later" in seconds, not hang.
    client = redis.Redis.from_url(
        url, socket_connect_timeout=2, socket_timeout=2, health_check_interval=30
    )
    return client, client.register_script(_RESERVE_SCRIPT)


def _microseconds(value: dt.datetime | dt.timedelta) -> int:
    return (value - _EPOCH if isinstance(value, dt.datetime) else value) // _MICROSECOND


class _RedisStore:
    """A sorted set per key (not Redis Cluster: a script's keys must share a node)."""

    def __init__(self, url: str, prefix: str) -> None:
        self.client, self.script = _redis(url)
        self.prefix = prefix

    def reserve(
        self, limits: Sequence[_Limit], *, token: str, now: dt.datetime
    ) -> tuple[int, dt.datetime] | None:
        args: list[int | str] = [_microseconds(now), token]
        for limit in limits:
            args += [limit.limit, _microseconds(limit.window)]
        try:
            index, nth = self.script(keys=[self.prefix + limit.key for limit in limits], args=args)
        except redis.RedisError as error:
            raise AttemptStoreUnavailable("Redis did not answer") from error
        if not index:
            return None
        refused = limits[index - 1]
        nth_at = _EPOCH + int(float(nth)) * _MICROSECOND
        return index - 1, _retry_at(nth_at, refused.window)

    def release(self, keys: Sequence[str], *, token: str) -> None:
        try:
            with self.client.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.zrem(self.prefix + key, token)
                pipe.execute()
        except redis.RedisError as error:
            raise AttemptStoreUnavailable("Redis did not answer") from error

    def clear(self, keys: Sequence[str]) -> None:
        if not keys:
            return
        try:
            self.client.delete(*[self.prefix + key for key in keys])
        except redis.RedisError as error:
            raise AttemptStoreUnavailable("Redis did not answer") from error


def _store() -> _Store:
    # Read per call, so a deployment's (or a test's) settings decide, not import order.
    kind = settings.STRIKEDESK_CHECK_LIMIT_STORE
    if kind == "database":
        return _DatabaseStore()
    if kind == "redis":
        url = settings.STRIKEDESK_CHECK_LIMIT_REDIS_URL
        if not url:
            raise ImproperlyConfigured("STRIKEDESK_CHECK_LIMIT_STORE is redis with no URL.")
        return _RedisStore(url, settings.STRIKEDESK_CHECK_LIMIT_KEY_PREFIX)
    raise ImproperlyConfigured(f"STRIKEDESK_CHECK_LIMIT_STORE is {kind!r}: redis or database.")


def _window(scope: str) -> dt.timedelta:
    seconds = getattr(settings, f"STRIKEDESK_CHECK_{scope.upper()}_WINDOW_SECONDS")
    return dt.timedelta(seconds=seconds)


def _limits(*, reference: str, address: str) -> list[_Limit]:
    # Tested in this order: the address, whose refusal says most about the sender, first.
    # A refusal records nothing against either key: a refused request is not a guess.
    return [
        _Limit(
            scope=scope,
            key=KEY_PREFIXES[scope] + value[:MAX_KEY_INPUT],
            limit=getattr(settings, f"STRIKEDESK_CHECK_{scope.upper()}_LIMIT"),
            window=_window(scope),
        )
        for scope, value in ((LockoutScope.ADDRESS, address), (LockoutScope.REFERENCE, reference))
    ]


def key_digest(value: str) -> str:
    """What logs carry instead of a booking reference or an address: a short keyed hash,
    the same for the same value, so log lines can be matched without revealing it."""
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()[:12]


def attempt_start(
    *, reference: str, address: str, now: dt.datetime | None = None
) -> Attempt | Refused:
    """Before the lookup: refuse if either limit is reached, else reserve a failure on both.

    ``reference`` is the normalised booking reference; ``address`` is
    ``client_address(request)``. Raises ``AttemptStoreUnavailable`` when the counter
    cannot be reached.
    """
    now = now or timezone.now()
    limits = _limits(reference=reference, address=address)
    token = uuid.uuid4().hex
    refused = _store().reserve(limits, token=token, now=now)
    if refused is None:
        return Attempt(keys=tuple(limit.key for limit in limits), token=token)
    index, retry_at = refused
    limit = limits[index]
    value = limit.key.removeprefix(KEY_PREFIXES[limit.scope])
    try:
        _lockout_record(scope=limit.scope, value=value, retry_at=retry_at, now=now)
    except OperationalError:
        # The staff record is worth less than the refusal: a busy database must not turn
        # a 429 into an error page. The next refusal of the key adds to the row again.
        logger.warning("Status check lockout for %s not recorded", key_digest(value))
    logger.info(
        "Status check refused by the %s limit for %s until %s",
        limit.scope,
        key_digest(value),
        retry_at.isoformat(),
    )
    return Refused(scope=str(limit.scope), retry_at=retry_at)


def attempt_succeeded(attempt: Attempt) -> None:
    """The details matched: give back the reservation, so successful checks never count."""
    try:
        _store().release(attempt.keys, token=attempt.token)
    except AttemptStoreUnavailable:
        # The patient has their answer already; refusing it now would protect nothing.
        # The reservation stays counted as a failure until it leaves the window.
        logger.warning("Status check succeeded but its reservation could not be released")


def _lockout_record(*, scope: str, value: str, retry_at: dt.datetime, now: dt.datetime) -> None:
    """Add one refusal to the key's current lockout row, or start one.

    A lockout continues while refusals keep coming within one window of its end, so an
    attacker who retries each time a place frees up stays on one row for staff. One
    UPDATE in the usual case; the partial unique constraint, not a check in Python, keeps
    two concurrent first refusals from making two rows.
    """
    current = CheckLockout.objects.filter(scope=scope, key=value, current=True)
    continues_after = now - _window(scope)
    for _ in range(2):
        if current.filter(locked_until__gt=continues_after).update(
            refused_count=F("refused_count") + 1,
            locked_until=Greatest("locked_until", Value(retry_at)),
        ):
            return
        # Long over: kept as history. Only that one: a row another refusal has just made
        # is current and must stay so.
        current.filter(locked_until__lte=continues_after).update(current=False)
        try:
            with transaction.atomic():
                CheckLockout.objects.create(
                    scope=scope, key=value, first_refused_at=now, locked_until=retry_at
                )
            return
        except IntegrityError:
            continue  # another refusal created it a moment ago: add to that one


def lockouts_lift(
    lockouts: QuerySet[CheckLockout], *, by: Any = None, now: dt.datetime | None = None
) -> int:
    """Clear the counted failures of each lockout's key, so its next check is allowed, and
    mark the lockouts lifted (by whom, when). Returns how many were newly lifted."""
    now = now or timezone.now()
    keys = {
        KEY_PREFIXES[scope] + key for scope, key in lockouts.order_by().values_list("scope", "key")
    }
    _store().clear(sorted(keys))
    lifted = lockouts.filter(lifted_at__isnull=True).update(
        lifted_at=now, lifted_by=by, current=False
    )
    logger.info("%d status check lockouts lifted by user %s", lifted, getattr(by, "pk", None))
    return lifted


def lockout_lift(lockout: CheckLockout, *, by: Any = None) -> None:
    lockouts_lift(CheckLockout.objects.filter(pk=lockout.pk), by=by)
