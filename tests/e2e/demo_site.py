"""The demo, running for real: a web server and a Celery worker on a database of their own,
loaded by ``load_demo`` exactly as ``make run`` loads it.

The staff journeys in ``test_journeys.py`` drive it through the browser as a person would.
It runs beside the test suite, never inside it: its own database (a fresh PostgreSQL
database named after this process when ``DATABASE_URL`` is PostgreSQL, else a SQLite file),
its own ``var/`` folder and its own Celery queue on the suite's broker (or the filesystem
broker in its folder), so nothing it does can touch pytest-django's test database or
another worker's tasks.

    with DemoSite(tmp_path) as site:
        page.goto(site.url + "/staff/")
        site.manage("shell", "-c", "...")  # read its database, as an operator would
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 90
LOAD_TIMEOUT = 600


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class DemoSite:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.queue = f"demo-site-{uuid.uuid4().hex}"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "STRIKEDESK_VAR_DIR": str(folder / "var"),
            "STRIKEDESK_PUBLIC_URL": self.url,
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
        }
        # The browser tests' session sets this for their own process; the site's processes
        # are ordinary Django processes and must run without it.
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        suite_database = os.environ.get("DATABASE_URL", "")
        self._postgres_admin_url: str | None = None
        self.database_name: str | None = None
        if suite_database.startswith(("postgres://", "postgresql://")):
            self.database_name = f"strikedesk_demo_site_{os.getpid()}"
            parts = urlsplit(suite_database)
            self.env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{self.database_name}"))
            self._postgres_admin_url = urlunsplit(
                parts._replace(scheme="postgresql", path="/postgres")
            )
        else:
            self.env.pop("DATABASE_URL", None)  # the embedded default: SQLite under var/

    def __enter__(self) -> "DemoSite":
        (self.folder / "var").mkdir(parents=True, exist_ok=True)
        try:
            self._create_database()
            self.manage("migrate", "--noinput")
            self.manage("load_demo", timeout=LOAD_TIMEOUT)
            self._start(
                "web",
                [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            )
            self._start(
                "worker",
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--loglevel=INFO",
                    "--concurrency=1",
                    "--without-gossip",
                    "--without-mingle",
                    "-Q",
                    self.queue,
                ],
            )
            self._wait_for_web()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        self.processes.clear()
        self._drop_database()

    def manage(self, *args: str, timeout: float = 300) -> str:
        """Run a management command against the site's database; its output, or the
        command's output in the failure if it fails."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"manage.py {' '.join(args[:1])} failed ({done.returncode}):\n"
                f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )
        return done.stdout

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace")[-5000:] if path.exists() else ""

    def _start(self, name: str, command: list[str]) -> None:
        with (self.folder / f"{name}.log").open("wb") as out:
            self.processes[name] = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so stopping it stops all
            )

    def _wait_for_web(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"the demo site's {name} stopped:\n{self.log(name)}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:  # noqa: S310 - our own http URL
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the demo site did not answer in time:\n{self.log('web')}")

    def _create_database(self) -> None:
        if self._postgres_admin_url is None:
            return
        with psycopg.connect(self._postgres_admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{self.database_name}"')

    def _drop_database(self) -> None:
        if self._postgres_admin_url is None:
            return
        with psycopg.connect(self._postgres_admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
