"""A real Celery worker process, wired as in production: Redis broker, PostgreSQL database.

The worker is a separate process with its own database connection, so the rows it must see
are committed (``transactional_db``), and it is pointed at pytest-django's test database.
It listens on a queue of its own, so it cannot take tasks meant for any other worker on the
same Redis.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from celery.app.backends import by_url
from celery.exceptions import TimeoutError as CeleryTimeoutError
from celery.result import AsyncResult
from django.conf import settings
from django.db import connection
from kombu import Exchange, Queue

from config import celery_app
from config.tasks import worker_probe
from tests.factories import TrustFactory

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

WORKER_STARTUP_AND_TASK_TIMEOUT = 60


def _test_database_url() -> str:
    """The database this test process uses: pytest-django's test_... copy, not the real one."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        user += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    netloc = f"{user}@{host}{port}" if user else f"{host}{port}"
    return f"postgres://{netloc}/{quote(db['NAME'], safe='')}"


def _result_backend_url(broker_url: str) -> str:
    """The broker's Redis server, another database number."""
    parts = urlsplit(broker_url)
    broker_db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{1 if broker_db != 1 else 2}"))


@pytest.fixture
def result_backend() -> Iterator[str]:
    """Results on Redis for this test, in the test process as in the worker.

    The app builds its backend from its configuration once and keeps it for the life of
    the process, so changing ``celery_app.conf.result_backend`` here would either not
    take (an app that has already sent a task) or outlive the test (one that has not).
    Only the probe task gets the Redis backend instead, and gives it back afterwards.
    """
    url = _result_backend_url(settings.CELERY_BROKER_URL)
    backend_cls, backend_url = by_url(url, celery_app.loader)
    backend = backend_cls(app=celery_app, url=backend_url)
    worker_probe.backend = backend
    try:
        yield url
    finally:
        worker_probe.backend = None  # back to the app's own backend
        backend.result_consumer.stop()
        backend.client.close()


def _start_worker(queue: str, result_backend_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": result_backend_url,
    }
    with log.open("wb") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "-Q",
                queue,
                "-n",
                f"{queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            # Its own process group, so the pool's child goes down with it if it must be killed.
            start_new_session=True,
        )


def _stop_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is not None:
        return
    worker.terminate()  # warm shutdown: the pool's child exits and connections close
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)


def _delete_queue(name: str) -> None:
    """Remove the queue and its binding from Redis, which would otherwise keep them."""
    with celery_app.connection_for_write() as conn:
        queue = Queue(name, Exchange(name, type="direct"), routing_key=name)(conn.default_channel)
        queue.declare()  # the channel deletes only the bindings it knows of
        queue.delete()


def _wait_for_result(result: AsyncResult, worker: subprocess.Popen[bytes]) -> object:
    """Block on the result, but give up at once if the worker process has died."""
    deadline = time.monotonic() + WORKER_STARTUP_AND_TASK_TIMEOUT
    while True:
        try:
            return result.get(timeout=2)
        except CeleryTimeoutError:
            if worker.poll() is not None:
                pytest.fail(f"the worker exited with code {worker.returncode} before answering")
            if time.monotonic() > deadline:
                raise


def test_a_worker_reads_the_database_through_the_broker(
    transactional_db: None, result_backend: str, tmp_path: Path
) -> None:
    TrustFactory.create_batch(3)
    queue = f"probe-{uuid.uuid4().hex}"
    log = tmp_path / "worker.log"
    worker = _start_worker(queue, result_backend, log)
    passed = False
    try:
        result = worker_probe.apply_async(queue=queue)
        try:
            assert _wait_for_result(result, worker) == {"database": "postgresql", "trusts": 3}
        finally:
            result.forget()
        passed = True
    finally:
        _stop_worker(worker)
        if not passed:
            print(f"--- worker output ({log}) ---\n{log.read_text(errors='replace')}")
        _delete_queue(queue)
