"""Suite-wide fixtures, and the rule for tests that need a real service.

Tests marked ``postgres`` or ``redis`` need that server. On a laptop without it they are
skipped with a message saying what to start. With ``STRIKEDESK_REQUIRE_SERVICES=1`` (set
by ``.ci/run``) a missing service fails the test instead, so CI can never go green by
skipping the tests that matter.
"""

import os
import shutil
import uuid
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection

REQUIRE_SERVICES = os.environ.get("STRIKEDESK_REQUIRE_SERVICES") == "1"


def _missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (STRIKEDESK_REQUIRE_SERVICES=1: a missing service is a failure)")
    pytest.skip(reason)


def redis_url() -> str | None:
    url = settings.CELERY_BROKER_URL
    return url if url.startswith("redis://") else None


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _missing(
            "needs PostgreSQL: set DATABASE_URL=postgres://USER@127.0.0.1:5432/strikedesk "
            f"(running on {connection.vendor})"
        )
    if item.get_closest_marker("redis"):
        url = redis_url()
        if url is None:
            _missing("needs Redis: set CELERY_BROKER_URL=redis://127.0.0.1:6379/0")
        elif not _redis_answers(url):
            host = urlparse(url).netloc
            _missing(f"needs Redis: nothing answered at {host}")
    if item.get_closest_marker("wrk") and shutil.which("wrk") is None:
        _missing("needs the wrk load generator: run `apt-get install wrk`")
    if item.get_closest_marker("browser"):
        # Debian's chromium, not a Playwright download: CI installs it with apt-get.
        # tests/e2e/conftest.py launches the same path.
        chromium = os.environ.get("STRIKEDESK_CHROMIUM", "/usr/bin/chromium")
        if not (os.path.isfile(chromium) and os.access(chromium, os.X_OK)):
            _missing(
                f"needs chromium: nothing runnable at {chromium}; run `apt-get install chromium` "
                "or set STRIKEDESK_CHROMIUM to its path"
            )


@pytest.fixture(autouse=True)
def own_attempt_counters(settings):
    """Each test counts status-check failures under keys of its own, and removes them after.

    Every test client and live server calls from 127.0.0.1, so on a shared Redis the counts
    of earlier tests (or of a developer's `make run`) would otherwise lock later ones out.
    """
    prefix = f"test-{uuid.uuid4().hex}:"
    settings.STRIKEDESK_CHECK_LIMIT_KEY_PREFIX = prefix
    yield
    if settings.STRIKEDESK_CHECK_LIMIT_STORE != "redis" or not (
        settings.STRIKEDESK_CHECK_LIMIT_REDIS_URL.startswith(("redis://", "rediss://"))
    ):
        return
    import redis

    try:
        client = redis.Redis.from_url(
            settings.STRIKEDESK_CHECK_LIMIT_REDIS_URL, socket_connect_timeout=2
        )
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)
    except redis.RedisError:
        pass  # a test that stopped Redis on purpose; its keys expire within a day
