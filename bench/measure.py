"""Timing, peak memory and the record of one scenario's figures beside its floor."""

import os
import platform
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection

# Which way is better, for the ratio and the target.
LOWER_IS_BETTER = "lower"
HIGHER_IS_BETTER = "higher"


@dataclass
class Figure:
    """One scenario's runs, its floor's runs (measured in the same run on the same data),
    and whether the target was met. ``ratio`` is value / floor: for times, how many floors
    the product takes; for rates, what share of the floor's rate it reaches."""

    scenario: str
    measures: str
    unit: str
    better: str
    runs: list[float]
    floor: str = ""
    floor_runs: list[float] = field(default_factory=list)
    target: str = ""
    met: bool | None = None
    counts: dict[str, Any] = field(default_factory=dict)

    @property
    def value(self) -> float:
        return statistics.median(self.runs)

    @property
    def floor_value(self) -> float | None:
        return statistics.median(self.floor_runs) if self.floor_runs else None

    @property
    def ratio(self) -> float | None:
        floor = self.floor_value
        return self.value / floor if floor else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "measures": self.measures,
            "unit": self.unit,
            "better": self.better,
            "median": self.value,
            "runs": self.runs,
            "floor": self.floor,
            "floor_median": self.floor_value,
            "floor_runs": self.floor_runs,
            "ratio": self.ratio,
            "target": self.target,
            "met": self.met,
            "counts": self.counts,
        }


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


@dataclass(frozen=True)
class ChildRun:
    seconds: float
    peak_rss_mb: float
    returncode: int
    output: str


def run_child(command: Sequence[str], *, env: Mapping[str, str]) -> ChildRun:
    """Run ``command`` to the end; its wall time and its own peak resident memory.

    The peak is the kernel's high-water mark of the child's own address space (VmHWM),
    read as it runs. Not wait4's ``ru_maxrss``: Linux carries a parent's peak into a
    child across fork and exec, so every child of a bench that has just built a million
    rows would report the bench's own 240 MB.
    """
    started = time.perf_counter()
    with subprocess.Popen(
        list(command),
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as child:
        peak = _HighWaterMark(child.pid)
        peak.start()
        output = child.stdout.read() if child.stdout else ""
        child.wait()
        peak.join()
    elapsed = time.perf_counter() - started
    return ChildRun(elapsed, peak.mb, child.returncode, output)


class _HighWaterMark(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.status = Path(f"/proc/{pid}/status")
        self.mb = 0.0

    def run(self) -> None:
        while True:
            try:
                text = self.status.read_text()
            except OSError:  # gone: the last reading stands
                return
            for line in text.splitlines():
                if line.startswith("VmHWM:"):
                    self.mb = max(self.mb, int(line.split()[1]) / 1024)
            if "State:\tZ" in text:
                return
            time.sleep(0.02)


def machine() -> dict[str, Any]:
    """What the figures were measured on: they mean little without it."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(_memory_kib() / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": postgres,
        "postgresql_shared_buffers": shared_buffers,
        "redis": _redis_version(),
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "note": "a shared 2-core sandbox: other work on the host moves figures by 10-30%",
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_kib() -> int:
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _redis_version() -> str:
    from django.conf import settings
    from redis import Redis

    try:
        client = Redis.from_url(settings.CELERY_BROKER_URL)
        return str(client.info("server").get("redis_version", "unknown"))
    except Exception as error:  # the bench still reports what it has
        return f"unavailable ({type(error).__name__})"
