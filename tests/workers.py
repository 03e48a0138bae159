"""Real Celery workers for tests: a prefork worker process on Redis against the test database.

A worker started here is a separate process with its own database connections, so the rows
it must see are committed (``transactional_db``). It is pointed at pytest-django's test
database, not the real one, and listens on a queue of its own, so it cannot take tasks meant
for any other worker on the same Redis. That queue is also its default queue
(``CELERY_TASK_DEFAULT_QUEUE``), so the tasks its own tasks enqueue (``notices.tick`` starting
``notices.dispatch``) come back to it. The test sends its tasks there itself:
``task.apply_async(queue=worker.queue)``.

    with running_worker(tmp_path, env={"STRIKEDESK_NOTICE_BATCH": "50"}) as worker:
        notices_tick.apply_async(queue=worker.queue)
        ...
        worker.kill()  # kill -9 of its whole process group, as a crashed host would
        worker.start()

Leaving the block stops the worker (warm shutdown, then kill -9 if it hangs), deletes its
queue from Redis with what a killed worker left unacknowledged there, and prints the
worker's output if the block failed.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from celery import Task
from celery.app.backends import by_url
from celery.exceptions import TimeoutError as CeleryTimeoutError
from celery.result import AsyncResult
from django.conf import settings
from django.db import connection
from kombu import Exchange, Queue

from config import celery_app

STARTUP_TIMEOUT = 60
STOP_TIMEOUT = 30
TASK_TIMEOUT = 60


def worker_database_url() -> str:
    """The database this test process uses: pytest-django's test_... copy, not the real one."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        user += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    netloc = f"{user}@{host}{port}" if user else f"{host}{port}"
    return f"postgres://{netloc}/{quote(db['NAME'], safe='')}"


def result_backend_url(broker_url: str | None = None) -> str:
    """The broker's Redis server, another database number."""
    parts = urlsplit(broker_url or settings.CELERY_BROKER_URL)
    broker_db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{1 if broker_db != 1 else 2}"))


@contextmanager
def results_on_redis(*tasks: Task) -> Iterator[str]:
    """Results of ``tasks`` on Redis for the block, in the test process as in the worker
    (start the worker with ``CELERY_RESULT_BACKEND`` set to the URL this yields).

    The app builds its backend from its configuration once and keeps it for the life of
    the process, so changing ``celery_app.conf.result_backend`` here would either not
    take (an app that has already sent a task) or outlive the test (one that has not).
    Only the tasks named get the Redis backend instead, and give it back afterwards.
    Tasks that ignore their results store them when sent with ``ignore_result=False``.
    """
    url = result_backend_url()
    backend_cls, backend_url = by_url(url, celery_app.loader)
    backend = backend_cls(app=celery_app, url=backend_url)
    for task in tasks:
        task.backend = backend
    try:
        yield url
    finally:
        for task in tasks:
            task.backend = None  # back to the app's own backend
        backend.result_consumer.stop()
        backend.client.close()


def new_queue_name(prefix: str = "test") -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


class Worker:
    """One Celery worker process (prefork pool), which can be started again after a kill.

    ``queue`` is its own queue, also its default one; ``also`` lists more queues it takes
    (``"celery"``, say), which are never deleted here. ``env`` is added to the environment
    it inherits, after the database, broker and queue settings, so it can change any of them.
    Every start appends to the one log file, under a line saying which start it is.
    """

    def __init__(
        self,
        log: Path,
        *,
        queue: str | None = None,
        also: Iterable[str] = (),
        env: Mapping[str, str] | None = None,
        concurrency: int = 1,
        result_backend: str | None = None,
    ) -> None:
        self.log = log
        self.queue = queue or new_queue_name("worker")
        self.queues = [self.queue, *also]
        self.concurrency = concurrency
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": worker_database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
        }
        if result_backend:
            self.env["CELERY_RESULT_BACKEND"] = result_backend
        self.env.update(env or {})
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.kills = 0
        self._ready_from = 0  # where this start's output begins in the log

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, *, wait: bool = True) -> "Worker":
        """Start the process; with ``wait``, return once it consumes from its queues."""
        assert not self.alive, "the worker is already running"
        self.starts += 1
        with self.log.open("ab") as out:
            out.write(f"===== start {self.starts} at {time.strftime('%X')} =====\n".encode())
            out.flush()
            self._ready_from = out.tell()
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool=prefork",
                    f"--concurrency={self.concurrency}",
                    "-Q",
                    ",".join(self.queues),
                    "-n",
                    f"{self.queue}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel=INFO",
                ],
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                # Its own process group, so the pool's children go down with it when killed.
                start_new_session=True,
            )
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Block until this start has logged that it is ready (consuming)."""
        deadline = time.monotonic() + timeout
        while True:
            with self.log.open("rb") as log:
                log.seek(self._ready_from)
                if b" ready." in log.read():
                    return
            if not self.alive:
                raise WorkerFailed(f"the worker exited before it was ready (log: {self.log})")
            if time.monotonic() > deadline:
                raise WorkerFailed(f"the worker was not ready after {timeout} s (log: {self.log})")
            time.sleep(0.1)

    def stop(self) -> None:
        """Warm shutdown: tasks running finish, connections close. Killed if it hangs."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            # Hung: killed below, and not counted as one of the test's kills.
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=STOP_TIMEOUT)
        self._kill_group()  # and any pool child left behind by a main process that died
        self.process.wait(timeout=STOP_TIMEOUT)

    def kill(self) -> None:
        """``kill -9`` of the main process and its pool's children at once, as when the
        machine dies: nothing is acknowledged, requeued or closed."""
        if self.process is None:
            return
        self.kills += 1
        self._kill_group()
        self.process.wait(timeout=STOP_TIMEOUT)

    def _kill_group(self) -> None:
        assert self.process is not None
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + STOP_TIMEOUT
        while _group_has_live_processes(self.process.pid) and time.monotonic() < deadline:
            self.process.poll()  # reap the main process, the group leader
            time.sleep(0.05)

    def output(self, last_chars: int = 20_000) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        cut = text[-last_chars:]
        return f"--- worker output ({self.log}) ---\n{cut}"

    def wait_until(self, condition: Callable[[], bool], *, what: str, timeout: float) -> None:
        """Poll ``condition`` until it holds; fail at once if the worker dies, or after
        ``timeout`` seconds. ``what`` completes "waiting until ..." in the message."""
        deadline = time.monotonic() + timeout
        while not condition():
            if not self.alive:
                code = self.process.returncode if self.process else None
                raise WorkerFailed(f"the worker exited with code {code} while waiting until {what}")
            if time.monotonic() > deadline:
                raise WorkerFailed(f"gave up after {timeout} s waiting until {what}")
            time.sleep(0.1)

    def wait_for(self, result: AsyncResult, timeout: float = TASK_TIMEOUT) -> object:
        """The task's result; gives up at once if the worker process has died."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return result.get(timeout=1)
            except CeleryTimeoutError:
                if not self.alive:
                    code = self.process.returncode if self.process else None
                    raise WorkerFailed(
                        f"the worker exited with code {code} before answering"
                    ) from None
                if time.monotonic() > deadline:
                    raise


class WorkerFailed(AssertionError):
    """The worker died, never became ready, or never did what was awaited: a test failure
    (``running_worker`` then prints the worker's output)."""


def _group_has_live_processes(pgid: int) -> bool:
    """Whether any process of the group is still running (zombies waiting to be reaped by
    whoever adopted them do not count: they hold no connection and do no work)."""
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state, ppid, pgrp.
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def delete_queue(name: str) -> None:
    """Remove the queue and its binding from Redis, which would otherwise keep them, and
    the messages of this queue a killed worker left unacknowledged.

    Redis keeps unacknowledged messages in one hash for every queue, and a worker puts
    them back in their queue once the visibility timeout (hours) has passed: left there,
    they would bring a deleted test queue back long after the test.
    """
    with celery_app.connection_for_write() as conn:
        channel = conn.default_channel
        queue = Queue(name, Exchange(name, type="direct"), routing_key=name)(channel)
        queue.declare()  # the channel deletes only the bindings it knows of
        queue.delete()
        unacked_key = getattr(channel, "unacked_key", None)
        if unacked_key is None:  # not Redis
            return
        client = channel.client
        for tag, entry in client.hscan_iter(unacked_key):
            try:
                _message, exchange, routing_key = json.loads(entry)
            except (TypeError, ValueError):
                continue
            if name in (exchange, routing_key):
                client.zrem(channel.unacked_index_key, tag)
                client.hdel(unacked_key, tag)


@contextmanager
def running_worker(
    folder: Path,
    *,
    name: str = "worker",
    also: Iterable[str] = (),
    env: Mapping[str, str] | None = None,
    concurrency: int = 1,
    result_backend: str | None = None,
) -> Iterator[Worker]:
    """A started worker on a queue of its own; stopped, its queue deleted, afterwards.

    Its output goes to ``folder/<name>.log`` and is printed if the block fails.
    """
    worker = Worker(
        folder / f"{name}.log",
        queue=new_queue_name(name),
        also=also,
        env=env,
        concurrency=concurrency,
        result_backend=result_backend,
    )
    passed = False
    try:
        worker.start()
        yield worker
        passed = True
    finally:
        try:
            worker.stop()
        finally:
            if not passed:
                print(worker.output())
            delete_queue(worker.queue)
