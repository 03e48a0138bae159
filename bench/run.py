"""The order of the scenarios, and what each needs from the one before."""

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.core.management import call_command

from . import dataset
from .measure import Figure, machine
from .scenarios import Context, api, dispatch, imports, patient_check, strike_work


def run_all(
    *,
    scale: int,
    runs: int,
    chosen: list[str],
    work_dir: Path,
    database_url: str,
    broker_url: str,
    settings_module: str,
    import_rows: int | None,
    say: Callable[[str], None],
) -> dict[str, Any]:
    say("Migrating the bench database ...")
    call_command("migrate", verbosity=0, interactive=False)
    if "patient_check" in chosen:
        call_command("collectstatic", verbosity=0, interactive=False)
    say(f"Loading {scale:,} bookings with COPY ...")
    started = time.perf_counter()
    data = dataset.load(scale=scale)
    load_seconds = time.perf_counter() - started
    say(
        f"Loaded in {load_seconds:.1f} s: {data.trusts} trusts ({data.participating_trusts} "
        f"taking part), {data.patients:,} patients, {data.in_window:,} bookings in the window."
    )
    context = Context(
        dataset=data,
        runs=runs,
        work_dir=work_dir,
        database_url=database_url,
        broker_url=broker_url,
        settings_module=settings_module,
    )
    strike = dataset.national_strike()
    figures: list[Figure] = []

    def step(name: str, work: Callable[[], Figure | list[Figure]]) -> None:
        # Later scenarios need the earlier ones' rows (impacts, decisions, notices), so
        # a scenario left out still runs, once, unreported.
        if name not in chosen:
            say(f"[{name}] preparing (not measured) ...")
            PREPARE[name](replace(context, runs=1), strike)
            return
        say(f"[{name}] measuring ...")
        result = work()
        for figure in result if isinstance(result, list) else [result]:
            figures.append(figure)
            say(f"[{name}] {_line(figure)}")

    step("assess", lambda: strike_work.assess(context, strike))
    step("decide", lambda: strike_work.decide(context, strike))
    step("generate", lambda: strike_work.generate(context, strike))
    if "dispatch" in chosen:
        step("dispatch", lambda: dispatch.dispatch(context))
    if "import" in chosen:
        step("import", lambda: imports.import_csv(context, import_rows))
    if "api" in chosen:
        step("api", lambda: api.api(context, strike))
    if "patient_check" in chosen:
        step("patient_check", lambda: patient_check.patient_check(context))
    return {
        "scale": scale,
        "runs": runs,
        "machine": machine(),
        "dataset": {**data.as_dict(), "load_seconds": round(load_seconds, 1)},
        "figures": [figure.as_dict() for figure in figures],
    }


PREPARE: dict[str, Callable[[Context, Any], Figure]] = {
    "assess": strike_work.assess,
    "decide": strike_work.decide,
    "generate": strike_work.generate,
}


def _line(figure: Figure) -> str:
    ratio = f", ratio {figure.ratio:.2f}" if figure.ratio is not None else ""
    floor = f" (floor {figure.floor_value:.4g})" if figure.floor_value is not None else ""
    verdict = {True: "met", False: "MISSED", None: ""}[figure.met]
    return f"{figure.value:.4g} {figure.unit}{floor}{ratio} {verdict}"
