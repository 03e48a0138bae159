"""``python -m bench``: load the data, run every scenario, print the table, write the JSON.

    SCALE=1000000 make bench              # the full national run
    python -m bench --scale 2000 --runs 1 --output /tmp/smoke.json

The bench owns a database of its own (``BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/strikedesk_bench``), created if missing and emptied
on every run; Redis comes from ``CELERY_BROKER_URL`` (default redis://127.0.0.1:6379/0).
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/strikedesk_bench"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"
SETTINGS_MODULE = "bench.settings"
SCENARIOS = ("assess", "decide", "generate", "dispatch", "import", "api", "patient_check")
RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=int(os.environ.get("SCALE", 100_000)))
    parser.add_argument("--runs", type=int, default=int(os.environ.get("RUNS", 3)))
    parser.add_argument(
        "--only", default=os.environ.get("ONLY", ""), help="comma-separated scenarios"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--markdown",
        type=Path,
        metavar="RESULTS",
        help="print the README's table from a results file and stop (nothing is measured)",
    )
    parser.add_argument(
        "--import-rows",
        type=int,
        default=None,
        help="rows in the import scenario's CSV (default: 100,000, or the scale if smaller)",
    )
    options = parser.parse_args(argv)
    if options.markdown is not None:
        from .table import markdown

        print(markdown(json.loads(options.markdown.read_text())))
        return 0
    chosen = [name for name in options.only.split(",") if name] or list(SCENARIOS)
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios {sorted(unknown)}; choose from {', '.join(SCENARIOS)}")

    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    broker_url = os.environ.get("CELERY_BROKER_URL", DEFAULT_BROKER_URL)
    if not database_url.startswith(("postgres://", "postgresql://")):
        parser.error("the bench measures PostgreSQL: set BENCH_DATABASE_URL to a postgres:// URL")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "DATABASE_URL": database_url,
            "DATABASE_POOL": "false",
            "CELERY_BROKER_URL": broker_url,
        }
    )
    from .database import ensure_database

    ensure_database(database_url)

    import django

    django.setup()
    from .run import run_all

    with tempfile.TemporaryDirectory(prefix="strikedesk-bench-") as work_dir:
        started = time.perf_counter()
        report = run_all(
            scale=options.scale,
            runs=max(1, options.runs),
            chosen=chosen,
            work_dir=Path(work_dir),
            database_url=database_url,
            broker_url=broker_url,
            settings_module=SETTINGS_MODULE,
            import_rows=options.import_rows,
            say=lambda line: print(line, flush=True),
        )
        report["bench_seconds"] = round(time.perf_counter() - started, 1)
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(json.dumps(report, indent=2, default=str) + "\n")
    from .table import render

    print()
    print(render(report))
    print(f"\nWritten to {options.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
