"""A real Celery worker process, wired as in production: Redis broker, PostgreSQL database.

The worker is a separate process with its own database connection, so the rows it must see
are committed (``transactional_db``), and it is pointed at pytest-django's test database.
It listens on a queue of its own, so it cannot take tasks meant for any other worker on the
same Redis. ``tests/workers.py`` holds the machinery.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from config.tasks import worker_probe
from tests.factories import TrustFactory
from tests.workers import results_on_redis, running_worker

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def result_backend() -> Iterator[str]:
    """The probe's results on Redis, in the test process as in the worker."""
    with results_on_redis(worker_probe) as url:
        yield url


def test_a_worker_reads_the_database_through_the_broker(
    transactional_db: None, result_backend: str, tmp_path: Path
) -> None:
    TrustFactory.create_batch(3)
    with running_worker(tmp_path, name="probe", result_backend=result_backend) as worker:
        result = worker_probe.apply_async(queue=worker.queue)
        try:
            assert worker.wait_for(result) == {"database": "postgresql", "trusts": 3}
        finally:
            result.forget()
