"""``manage.py strike_report``: a strike's figures per trust and per day, published figures
beside computed ones, strikes compared, and the sitrep CSV for NHS England."""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from strikes.models import LONDON, Strike, StrikeStatus
from strikes.reports import (
    Figures,
    StrikeReport,
    StrikeSummary,
    sitrep_csv,
    strike_report,
    strikes_compare,
)
from strikes.selectors import StrikeNotFound, strike_by_id_or_title


class Command(BaseCommand):
    help = (
        "Report a strike's bookings per trust (planned, postponed, % of planned, awaiting a "
        "new date) with published figures beside them; --by-day adds each day and the staff "
        "out; --csv writes NHS England's sitrep; --compare sets strikes side by side; "
        "--list shows every strike's id."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "strikes",
            nargs="*",
            metavar="STRIKE",
            help="A strike's id or exact title. --compare takes any number (by default "
            "every strike not called off).",
        )
        parser.add_argument(
            "--by-day", action="store_true", help="Also show each trust per strike day."
        )
        only = parser.add_mutually_exclusive_group()
        only.add_argument(
            "--csv",
            metavar="PATH",
            help="Write the sitrep CSV to PATH ('-' for standard output) instead of the report.",
        )
        only.add_argument("--compare", action="store_true", help="Compare strikes.")
        only.add_argument(
            "--list", action="store_true", dest="list_strikes", help="List strikes with their ids."
        )

    def handle(
        self,
        *args: Any,
        strikes: list[str],
        by_day: bool,
        csv: str | None,
        compare: bool,
        list_strikes: bool,
        **options: Any,
    ) -> None:
        if by_day and (csv or compare or list_strikes):
            raise CommandError(
                "--by-day goes with one strike's report, not --csv, --compare or --list."
            )
        if list_strikes:
            if strikes:
                raise CommandError("--list takes no strike.")
            self._list()
            return
        chosen = [self._strike(text) for text in strikes]
        if compare:
            self._compare(chosen or None)
            return
        if len(chosen) != 1:
            raise CommandError(
                "Name one strike by its id or exact title (`strike_report --list` shows them)."
            )
        if csv:
            self._csv(chosen[0], csv)
            return
        self._report(strike_report(strike=chosen[0]), by_day=by_day)

    def _strike(self, text: str) -> Strike:
        try:
            return strike_by_id_or_title(text)
        except StrikeNotFound as error:
            raise CommandError(str(error)) from None

    def _list(self) -> None:
        rows = [
            [
                str(strike.public_id),
                strike.title,
                _when(strike.starts_at),
                _when(strike.ends_at),
                strike.get_status_display(),
            ]
            for strike in Strike.objects.order_by("starts_at", "pk")
        ]
        if not rows:
            self.stdout.write("No strikes recorded.")
            return
        self._write(_table(["Id", "Title", "Starts (UK time)", "Ends", "Status"], rows))

    def _csv(self, strike: Strike, path: str) -> None:
        if path == "-":
            # OutputWrapper is a text stream; its type does not say so.
            sitrep_csv(strike=strike, out=cast(TextIO, self.stdout))
            return
        try:
            with open(path, "w", newline="", encoding="utf-8") as out:
                written = sitrep_csv(strike=strike, out=out)
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}.") from None
        self.stdout.write(f"Wrote the sitrep for '{strike.title}' to {path}: {written:,} rows.")

    def _report(self, report: StrikeReport, *, by_day: bool) -> None:
        self._heading(report.strike)
        if not report.trusts:
            self.stdout.write("No trust's participation is recorded for this strike yet.")
            return
        self.stdout.write("")
        self.stdout.write("Bookings per trust")
        with_reinstated = report.total.reinstated > 0
        headers = ["Trust", "Taking part", *_figure_headers(with_reinstated), "Name"]
        rows = [
            [
                row.trust.ods_code,
                "yes" if row.participating else "no",
                *_figure_cells(row.figures, with_reinstated),
                row.trust.name,
            ]
            for row in report.trusts
        ]
        rows.append(["Total", "", *_figure_cells(report.total, with_reinstated), ""])
        self._write(_table(headers, rows))
        if by_day:
            self._by_day(report)
        self._comparisons(report)

    def _heading(self, strike: StrikeSummary) -> None:
        self.stdout.write(strike.title)
        self.stdout.write(f"Id: {strike.public_id}   Status: {StrikeStatus(strike.status).label}")
        self.stdout.write(f"Window: {_when(strike.starts_at)} to {_when(strike.ends_at)} (UK time)")
        self.stdout.write("Strike days: " + ", ".join(f"{day:%a %d %b}" for day in strike.days))

    def _by_day(self, report: StrikeReport) -> None:
        self.stdout.write("")
        self.stdout.write("Per trust per day (staff out by staff group)")
        groups = report.staff_groups
        headers = [
            "Trust",
            "Date",
            "Planned",
            "Postponed OP",
            "Postponed IP+DC",
            "Postponed",
            "% of planned",
            *(f"Out: {code.replace('_', ' ')}" for code in groups),
            "Staff out",
        ]
        rows = [
            [
                row.trust.ods_code,
                f"{row.date:%a %d %b}",
                *_day_cells(row.figures),
                *(f"{row.staff_absent_for(code):,}" for code in groups),
                f"{row.staff_absent_total:,}",
            ]
            for row in report.by_day
        ]
        for date in report.days:
            day_rows = [row for row in report.by_day if row.date == date]
            rows.append(
                [
                    "Total",
                    f"{date:%a %d %b}",
                    *_day_cells(report.day_total(date)),
                    *(f"{sum(r.staff_absent_for(code) for r in day_rows):,}" for code in groups),
                    f"{report.staff_absent_on(date):,}",
                ]
            )
        self._write(_table(headers, rows))

    def _comparisons(self, report: StrikeReport) -> None:
        self.stdout.write("")
        if not report.comparisons:
            self.stdout.write("No published figures are recorded for this strike.")
            return
        self.stdout.write(
            "Published figures beside StrikeDesk's (difference = computed - reported)"
        )
        rows = [
            [
                c.about,
                c.metric_label,
                f"{c.date:%a %d %b}" if c.date else "",
                _decimal(c.reported),
                "-" if c.computed is None else _decimal(c.computed),
                "-" if c.difference is None else _signed(c.difference),
                c.source,
            ]
            for c in report.comparisons
        ]
        headers = ["About", "Figure", "Date", "Reported", "Computed", "Difference", "Source"]
        self._write(_table(headers, rows))

    def _compare(self, strikes: list[Strike] | None) -> None:
        comparison = strikes_compare(strikes=strikes)
        if not comparison.rows:
            self.stdout.write("No strikes to compare.")
            return
        rows = [
            [
                row.strike.title,
                f"{timezone.localtime(row.strike.starts_at, LONDON):%d %b %Y}",
                StrikeStatus(row.strike.status).label,
                f"{row.planned:,}",
                f"{row.in_strike:,}",
                f"{row.postponed_total:,}",
                _pct(row.postponed_pct),
            ]
            for row in comparison.rows
        ]
        headers = [
            "Strike",
            "Starts",
            "Status",
            "Planned",
            "In strike",
            "Postponed",
            "% of planned",
        ]
        self._write(_table(headers, rows))
        self.stdout.write("")
        most, share = comparison.most_disruptive, comparison.most_disruptive_pct
        if most is None or share is None:
            self.stdout.write("None of these strikes has postponed any bookings.")
            return
        self.stdout.write(
            f"Most disruptive: {most.strike.title} ({most.postponed_total:,} bookings postponed)."
        )
        self.stdout.write(
            f"Largest share of planned bookings postponed: {share.strike.title} "
            f"({_pct(share.postponed_pct)})."
        )

    def _write(self, lines: list[str]) -> None:
        for line in lines:
            self.stdout.write(line)


def _figure_headers(with_reinstated: bool) -> list[str]:
    return [
        "Planned",
        "In strike",
        "Exempt",
        "At risk",
        "Going ahead",
        *(["Reinstated"] if with_reinstated else []),
        "Postponed OP",
        "Postponed IP+DC",
        "Postponed",
        "% of planned",
        "Awaiting new date",
        "Rescheduled",
    ]


def _figure_cells(figures: Figures, with_reinstated: bool) -> list[str]:
    counts = [
        figures.planned,
        figures.in_strike,
        figures.exempt,
        figures.at_risk,
        figures.going_ahead,
        *([figures.reinstated] if with_reinstated else []),
        figures.postponed_outpatient,
        figures.postponed_inpatient,
        figures.postponed_total,
    ]
    return [
        *(f"{n:,}" for n in counts),
        _pct(figures.postponed_pct),
        f"{figures.awaiting_new_date:,}",
        f"{figures.rescheduled:,}",
    ]


def _day_cells(figures: Figures) -> list[str]:
    return [
        f"{figures.planned:,}",
        f"{figures.postponed_outpatient:,}",
        f"{figures.postponed_inpatient:,}",
        f"{figures.postponed_total:,}",
        _pct(figures.postponed_pct),
    ]


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Aligned columns: numbers (and '-' for none) to the right, words to the left."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    numeric = [
        all(_looks_numeric(row[i]) for row in rows) and any(row[i] for row in rows)
        for i in range(len(headers))
    ]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(cells, widths, numeric, strict=True)
        ).rstrip()

    return [line(headers), line(["-" * width for width in widths]), *(line(row) for row in rows)]


def _looks_numeric(cell: str) -> bool:
    stripped = cell.replace(",", "").replace(".", "").replace("%", "").lstrip("+-")
    return cell in ("", "-") or stripped.isdigit()


def _when(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment, LONDON):%a %d %b %Y %H:%M}"


def _pct(value: Decimal | None) -> str:
    return "-" if value is None else f"{value}%"


def _decimal(value: Decimal) -> str:
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def _signed(value: Decimal) -> str:
    return "0" if value == 0 else ("+" if value > 0 else "-") + _decimal(abs(value))
