"""The CSV NHS England's industrial-action situation report (sitrep) asks trusts for.

One row per participating trust (or trust with decisions made before it dropped out)
per strike day, trusts by name then days in order.
The header is a contract with whoever loads the file; its columns, in order:

``strike_id``
    The strike's public id (a UUID), as ``manage.py strike_report --list`` shows it.
``strike_title``
    The strike's title.
``date``
    The strike day, Europe/London, as YYYY-MM-DD.
``region``, ``trust_code``, ``trust_name``
    The trust's NHS England region, ODS code and name.
``staff_absent_<code>``
    Staff out that day, one column per staff group in the database, ordered by code
    (``staff_absent_ambulance_staff``, ``staff_absent_consultants``, ...).
``staff_absent_total``
    Those columns added up.
``inpatient_elective_and_day_case_rescheduled``
    Inpatient and day-case bookings postponed because of the strike that were due that
    day ("rescheduled" is NHS England's word for postponed by industrial action,
    whether or not a new date has been given yet).
``outpatient_rescheduled``
    Outpatient bookings postponed, as above.
``community_and_mental_health_contacts_rescheduled``
    At community and mental health trusts, every postponed contact goes here and the
    two columns before are 0; at acute and ambulance trusts this column is 0.

Text cells that a spreadsheet would run as a formula (starting ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) are written with a leading apostrophe.
"""

import csv
import datetime as dt
from dataclasses import dataclass
from typing import Any, TextIO

from trusts.models import StaffGroup, TrustKind

from ..models import Strike
from .figures import DayRow, StaffCount, collect

FIXED_COLUMNS = ("strike_id", "strike_title", "date", "region", "trust_code", "trust_name")
CARE_COLUMNS = (
    "inpatient_elective_and_day_case_rescheduled",
    "outpatient_rescheduled",
    "community_and_mental_health_contacts_rescheduled",
)
COMMUNITY_KINDS = (TrustKind.COMMUNITY, TrustKind.MENTAL_HEALTH)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class SitrepRow:
    strike_id: str
    strike_title: str
    date: dt.date
    region: str
    trust_code: str
    trust_name: str
    staff_absent: tuple[StaffCount, ...]  # every staff group, in column order
    inpatient_elective_and_day_case_rescheduled: int
    outpatient_rescheduled: int
    community_and_mental_health_contacts_rescheduled: int

    @property
    def staff_absent_total(self) -> int:
        return sum(s.count for s in self.staff_absent)

    def cells(self) -> list[str | int]:
        return [
            self.strike_id,
            self.strike_title,
            self.date.isoformat(),
            self.region,
            self.trust_code,
            self.trust_name,
            *(s.count for s in self.staff_absent),
            self.staff_absent_total,
            self.inpatient_elective_and_day_case_rescheduled,
            self.outpatient_rescheduled,
            self.community_and_mental_health_contacts_rescheduled,
        ]


@dataclass(frozen=True)
class Sitrep:
    staff_groups: tuple[str, ...]  # every staff group code, ordered by code
    rows: tuple[SitrepRow, ...]

    @property
    def header(self) -> tuple[str, ...]:
        return (
            *FIXED_COLUMNS,
            *(f"staff_absent_{code}" for code in self.staff_groups),
            "staff_absent_total",
            *CARE_COLUMNS,
        )


def sitrep_rows(*, strike: Strike, user: Any = None) -> Sitrep:
    """The sitrep's rows for the trusts ``user`` may see (``None``: every trust)."""
    groups = tuple(StaffGroup.objects.order_by("code").values_list("code", flat=True))
    collected = collect(strike=strike, user=user)
    counted = collected.counted_trust_ids()
    rows = tuple(
        _row(day, groups, str(collected.strike.public_id), collected.strike.title)
        for day in collected.by_day
        if day.trust.id in counted
    )
    return Sitrep(staff_groups=groups, rows=rows)


def sitrep_csv(*, strike: Strike, user: Any = None, out: TextIO) -> int:
    """Write the sitrep to ``out`` (opened with ``newline=""``); returns the rows written."""
    sitrep = sitrep_rows(strike=strike, user=user)
    writer = csv.writer(out)
    writer.writerow(sitrep.header)
    writer.writerows([_safe(cell) for cell in row.cells()] for row in sitrep.rows)
    return len(sitrep.rows)


def _row(day: DayRow, groups: tuple[str, ...], strike_id: str, title: str) -> SitrepRow:
    figures = day.figures
    community = day.trust.kind in COMMUNITY_KINDS
    return SitrepRow(
        strike_id=strike_id,
        strike_title=title,
        date=day.date,
        region=day.trust.region,
        trust_code=day.trust.ods_code,
        trust_name=day.trust.name,
        staff_absent=tuple(StaffCount(code, day.staff_absent_for(code)) for code in groups),
        inpatient_elective_and_day_case_rescheduled=0 if community else figures.postponed_inpatient,
        outpatient_rescheduled=0 if community else figures.postponed_outpatient,
        community_and_mental_health_contacts_rescheduled=(
            figures.postponed_total if community else 0
        ),
    )


def _safe(cell: str | int) -> str | int:
    # A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return f"'{cell}"
    return cell
