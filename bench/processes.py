"""The long-running processes a scenario starts (a Celery worker, gunicorn): started in a
session of their own, output to a log, stopped gently and then for good."""

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from django.conf import settings

STOP_SECONDS = 30


def start(command: Sequence[str], *, env: Mapping[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen(
            list(command),
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=settings.BASE_DIR,
            start_new_session=True,
        )


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text().splitlines()[-lines:])
