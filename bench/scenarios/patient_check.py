"""The patient status lookup under load: wrk against a live gunicorn on 127.0.0.1, beside
a view that does nothing, served by the same gunicorn in the same run.

Each request is what a patient's browser sends on pressing "Continue": the form with a
real booking reference and date of birth and the CSRF token, answered by a 303 to the
answer page. The guessing limits count in Redis as in production; successful checks
give their reservation back, so the load never locks itself out.
"""

import html
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings

from appointments.models import Appointment
from appointments.references import format_booking_reference

from ..measure import HIGHER_IS_BETTER, Figure
from ..processes import start, stop, tail
from . import Context

CONNECTIONS = 20
# One sync worker per core. Five ((2 x cores) + 1, gunicorn's advice) were measured too:
# the check did no better (it is bound by CPU, not by waiting on PostgreSQL or Redis) and
# the trivial view worse.
WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", os.cpu_count() or 1))
BOOKINGS = 500
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", 10))
STARTUP_SECONDS = 60


@dataclass(frozen=True)
class Load:
    requests_per_second: float
    p99_ms: float
    p50_ms: float


def patient_check(context: Context) -> Figure:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise AssertionError(
            "the patient check load needs wrk: apt-get install wrk (Debian), brew install wrk"
        )
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with _gunicorn(context, port) as log:
        script = _check_script(context.work_dir, base)
        _load(wrk, f"{base}/bench/trivial/", None, seconds=2, log=log)  # warm every worker
        _load(wrk, f"{base}/check/", script, seconds=2, log=log)
        trivial: list[Load] = []
        check: list[Load] = []
        for _ in range(context.runs):
            trivial.append(_load(wrk, f"{base}/bench/trivial/", None, seconds=SECONDS, log=log))
            check.append(_load(wrk, f"{base}/check/", script, seconds=SECONDS, log=log))
    p99 = sorted(load.p99_ms for load in check)[len(check) // 2]
    figure = Figure(
        scenario="patient check",
        measures=f"POST /check/ (reference + date of birth), {CONNECTIONS} connections, "
        f"gunicorn {WORKERS} sync workers",
        unit="req/s",
        better=HIGHER_IS_BETTER,
        runs=[load.requests_per_second for load in check],
        floor="a view that returns 'ok', same gunicorn, same run",
        floor_runs=[load.requests_per_second for load in trivial],
        target=f">= 50% of the trivial view's req/s; p99 <= 50 ms at {CONNECTIONS} concurrent",
        counts={
            "p99_ms": p99,
            "p50_ms": sorted(load.p50_ms for load in check)[len(check) // 2],
            "trivial_p99_ms": sorted(load.p99_ms for load in trivial)[len(trivial) // 2],
            "seconds_per_load": SECONDS,
        },
    )
    figure.met = figure.ratio is not None and figure.ratio >= 0.5 and p99 <= 50
    return figure


def _check_script(work_dir: Path, base: str) -> Path:
    """A wrk script posting the form for many real bookings in turn, with a CSRF cookie
    and token fetched from the form page as a browser would."""
    jar = CookieJar()
    # No redirects followed: the answer to a matching check is the 303 itself.
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirects())
    with opener.open(f"{base}/check/", timeout=10) as response:
        page = response.read().decode()
    token = html.unescape(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1])
    cookie = next(c.value for c in jar if c.name == settings.CSRF_COOKIE_NAME)
    bodies = []
    bookings = Appointment.objects.order_by("pk").values_list(
        "reference", "patient__date_of_birth"
    )[:BOOKINGS]
    for reference, born in bookings:
        fields = {
            "csrfmiddlewaretoken": token,
            "reference": format_booking_reference(reference),
            "day": born.day,
            "month": born.month,
            "year": born.year,
        }
        bodies.append(f'"{urlencode(fields)}"')
    script = work_dir / "check.lua"
    script.write_text(
        f"local bodies = {{{', '.join(bodies)}}}\n"
        "local n = 0\n"
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        f'wrk.headers["Cookie"] = "{settings.CSRF_COOKIE_NAME}={cookie}"\n'
        "request = function()\n"
        "  n = n + 1\n"
        '  return wrk.format(nil, "/check/", nil, bodies[(n % #bodies) + 1])\n'
        "end\n"
    )
    # wrk counts any 2xx or 3xx as success, and a failed match is a 200 (the form again):
    # make sure these bookings get the 303 to their answer before timing them.
    for body in bodies[:: max(1, len(bodies) // 20)]:
        _expect_answer(opener, f"{base}/check/", body.strip('"'))
    return script


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _expect_answer(opener: urllib.request.OpenerDirector, url: str, body: str) -> None:
    request = urllib.request.Request(url, data=body.encode(), method="POST")  # noqa: S310
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with opener.open(request, timeout=10) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 303:
        raise AssertionError(f"a status check in the load answered {status}, not 303")


def _load(wrk: str, url: str, script: Path | None, *, seconds: int, log: Path) -> Load:
    command = [wrk, "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    if "Non-2xx or 3xx responses" in output or "Socket errors" in output:
        raise AssertionError(f"wrk saw errors against {url}:\n{output}\n{tail(log)}")
    return Load(
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
        p99_ms=_milliseconds(re.search(r"99%\s+([\d.]+\w+)", output)[1]),
        p50_ms=_milliseconds(re.search(r"50%\s+([\d.]+\w+)", output)[1]),
    )


def _milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


class _gunicorn:
    def __init__(self, context: Context, port: int) -> None:
        self.context = context
        self.port = port
        self.log = context.work_dir / "gunicorn.log"

    def __enter__(self) -> Path:
        env = {
            "DJANGO_SETTINGS_MODULE": self.context.settings_module,
            "DATABASE_URL": self.context.database_url,
            "CELERY_BROKER_URL": self.context.broker_url,
            # As in production: each request's lines go to the log.
            "LOG_LEVEL": "INFO",
        }
        command = [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            f"--bind=127.0.0.1:{self.port}", f"--workers={WORKERS}", "--worker-class=sync",
            "--backlog=2048",
        ]  # fmt: skip
        self.process = start(command, env=env, log=self.log)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}/bench/trivial/", timeout=2
                ):
                    return self.log
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        stop(self.process)
        raise AssertionError(f"gunicorn did not start:\n{tail(self.log)}")

    def __exit__(self, *exc_info: object) -> None:
        stop(self.process)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
