"""Import: a trust's PAS file through ``manage.py import_appointments``, beside COPY of the
same file into a bare table; and the peak memory of the import and of notice generation."""

import csv
import datetime as dt
import random
import re
import sys
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from appointments.imports.fields import CSV_COLUMNS
from demo import facts
from trusts.models import Service, Site

from ..dataset import SLOTS, national_strike, nhs_numbers
from ..measure import HIGHER_IS_BETTER, LOWER_IS_BETTER, ChildRun, Figure, run_child, timed
from . import Context, sql, vacuum

IMPORT_ROWS = 100_000
MEMORY_LIMIT_MB = 300
EXTERNAL_PREFIX = "PAS-BENCH-"
FLOOR_TABLE = "bench_floor_import"


def import_csv(context: Context, rows: int | None) -> list[Figure]:
    rows = rows or min(IMPORT_ROWS, context.dataset.scale)
    path = context.work_dir / f"import-{rows}.csv"
    write_csv(path, rows)
    figure = Figure(
        scenario="import",
        measures=f"manage.py import_appointments of a {rows:,}-row CSV (new bookings)",
        unit="rows/s",
        better=HIGHER_IS_BETTER,
        runs=[],
        floor="COPY of the same file into a table of text columns",
        target=">= 25% of the COPY floor's rows/s",
    )
    peaks = []
    for _ in range(context.runs):
        figure.floor_runs.append(rows / _copy_floor(path))
        forget_imported()
        child = _import(context, path)
        figure.runs.append(rows / child.seconds)
        peaks.append(child.peak_rss_mb)
        _check_imported(rows, child.output)
    figure.counts = {"rows": rows, "peak_rss_mb": round(max(peaks), 1)}
    figure.met = figure.ratio is not None and figure.ratio >= 0.25
    memory = _memory(context, small_rows=rows, small_peak=max(peaks))
    forget_imported()
    return [figure, memory]


def _memory(context: Context, *, small_rows: int, small_peak: float) -> Figure:
    """Peak resident memory of the import at two file sizes, and of notice generation."""
    peaks = {f"import_{small_rows}": small_peak}
    large_rows = context.dataset.scale
    if large_rows > small_rows:
        path = context.work_dir / f"import-{large_rows}.csv"
        write_csv(path, large_rows)
        forget_imported()
        child = _import(context, path)
        _check_imported(large_rows, child.output)
        peaks[f"import_{large_rows}"] = child.peak_rss_mb
        path.unlink()
    generation = _generation_peak(context)
    peaks["generation"] = generation
    largest = max(peaks.values())
    import_peaks = [value for key, value in peaks.items() if key.startswith("import_")]
    # Flat means within a fifth; one size measured (SCALE at most the import's rows)
    # says nothing about it.
    flat = max(import_peaks) <= 1.2 * min(import_peaks) if len(import_peaks) > 1 else None
    figure = Figure(
        scenario="peak memory",
        measures="peak RSS of the import command and of notice generation (own process)",
        unit="MB",
        better=LOWER_IS_BETTER,
        runs=[largest],
        target=f"<= {MEMORY_LIMIT_MB} MB and flat from 100k to 1M",
        counts={key: round(value, 1) for key, value in peaks.items()},
    )
    figure.counts["flat"] = flat
    figure.met = None if flat is None else largest <= MEMORY_LIMIT_MB and flat
    return figure


def _generation_peak(context: Context) -> float:
    """Notice generation for the whole national strike, from nothing, in its own process."""
    strike = national_strike()
    sql("TRUNCATE appointments_notice")
    child = run_child(
        [sys.executable, "manage.py", "notices", "generate", str(strike.public_id), "--early"],
        env=_child_env(context),
    )
    if child.returncode != 0:
        raise AssertionError(f"notice generation failed:\n{child.output[-3000:]}")
    vacuum("appointments_notice")
    return child.peak_rss_mb


def write_csv(path: Path, rows: int) -> None:
    """New bookings at the bench's trusts, each for a patient of its own, in the PAS
    format (appointments/imports/fields.py)."""
    rng = random.Random(rows)
    sites = list(Site.objects.select_related("trust").values_list("code", "trust__ods_code"))
    services = list(Service.objects.values_list("code", flat=True))
    first_day = timezone.localdate() + dt.timedelta(days=40)
    # Up from 800: the bench's own patients count down from 999 (bench/dataset.py).
    numbers = nhs_numbers(rows, start=800_000_000, step=1)
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for n in range(rows):
            site, trust = sites[n % len(sites)]
            starts = dt.datetime.combine(
                first_day + dt.timedelta(days=n % 20), rng.choice(SLOTS), tzinfo=dt.UTC
            )
            phone = f"07700 9{n % 100000:05d}"
            writer.writerow(
                {
                    "external_id": f"{EXTERNAL_PREFIX}{n:08d}",
                    "trust": trust,
                    "site": site,
                    "service": services[n % len(services)],
                    "kind": "outpatient" if n % 5 else "day_case",
                    "starts_at": starts.isoformat(),
                    "priority": "routine" if n % 7 else "urgent",
                    "referral_received_on": (starts.date() - dt.timedelta(days=90)).isoformat(),
                    "patient_nhs_number": numbers[n],
                    "patient_given_name": facts.GIVEN_NAMES[n % len(facts.GIVEN_NAMES)],
                    "patient_family_name": facts.FAMILY_NAMES[n % len(facts.FAMILY_NAMES)],
                    "patient_date_of_birth": (
                        dt.date(1940, 1, 1) + dt.timedelta(days=n % 25_000)
                    ).isoformat(),
                    "patient_postcode": "NR4 7UY",
                    "patient_phone": phone,
                    "patient_email": "",
                    "patient_address": f"{n % 200 + 1} {facts.STREETS[n % len(facts.STREETS)]}"
                    "|Norwich",
                    "patient_preferred_channel": "sms",
                }.get(column, "")
                for column in CSV_COLUMNS
            )


def forget_imported() -> None:
    """Take the imported bookings, their history and their patients away again."""
    sql(
        "DELETE FROM appointments_appointmentevent WHERE appointment_id IN "
        "(SELECT id FROM appointments_appointment WHERE external_id LIKE %s)",
        [f"{EXTERNAL_PREFIX}%"],
    )
    sql("DELETE FROM appointments_appointment WHERE external_id LIKE %s", [f"{EXTERNAL_PREFIX}%"])
    sql(
        "DELETE FROM appointments_patient p WHERE nhs_number LIKE '8%%' AND NOT EXISTS "
        "(SELECT 1 FROM appointments_appointment a WHERE a.patient_id = p.id)"
    )
    vacuum("appointments_appointment", "appointments_patient", "appointments_appointmentevent")


def _copy_floor(path: Path) -> float:
    from django.db import connection, transaction

    sql(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
    sql(f"CREATE TABLE {FLOOR_TABLE} ({', '.join(f'{c} text' for c in CSV_COLUMNS)})")

    def copy() -> None:
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY {FLOOR_TABLE} FROM STDIN WITH (FORMAT csv, HEADER true)"
            ) as copy,
            path.open("rb") as source,
        ):
            while chunk := source.read(1 << 16):
                copy.write(chunk)

    elapsed, _ = timed(copy)
    sql(f"DROP TABLE {FLOOR_TABLE}")
    return elapsed


def _import(context: Context, path: Path) -> ChildRun:
    child = run_child(
        [sys.executable, "manage.py", "import_appointments", str(path), "--national"],
        env=_child_env(context),
    )
    if child.returncode != 0:
        raise AssertionError(f"the import failed:\n{child.output[-3000:]}")
    return child


def _check_imported(rows: int, output: str) -> None:
    created = re.search(r"^([\d,]+) created, ", output, re.MULTILINE)
    if created is None or int(created[1].replace(",", "")) != rows:
        raise AssertionError(f"the import did not create {rows:,} bookings:\n{output[-2000:]}")


def _child_env(context: Context) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": context.settings_module,
        "DATABASE_URL": context.database_url,
        "PYTHONPATH": str(settings.BASE_DIR),
        "LOG_LEVEL": "WARNING",
    }
