"""Where the demo's strikes fall, relative to the day it is loaded.

A and C are placed on their reported dates in the most recent past year; B on the next
Monday and Tuesday with time left before its notice deadline, as the report describes
it, so assessment, decisions and notices can be watched live; the Hampshire walkouts
start on B's Tuesday (the report's "Tuesday 1 December") and the two Tuesdays after.
"""

import datetime as dt
from dataclasses import dataclass

from strikes.models import LONDON, strike_days


@dataclass(frozen=True)
class Window:
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str

    @property
    def days(self) -> list[dt.date]:
        return strike_days(self.starts_at, self.ends_at)


def _local(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)


def _latest_past(today: dt.date, month: int, day: int, days_long: int) -> dt.date:
    start = dt.date(today.year, month, day)
    if start + dt.timedelta(days=days_long) >= today:
        start = start.replace(year=today.year - 1)
    return start


def _next_monday_before_deadline(today: dt.date, notice_lead_days: int) -> dt.date:
    days_ahead = (7 - today.weekday()) % 7 or 7
    if days_ahead <= notice_lead_days:
        days_ahead += 7
    return today + dt.timedelta(days=days_ahead)


def strike_windows(today: dt.date, *, notice_lead_days: int = 3) -> dict[str, Window]:
    a_start = _latest_past(today, 1, 18, 2)
    c_start = _latest_past(today, 3, 13, 3)
    monday = _next_monday_before_deadline(today, notice_lead_days)
    tuesday = monday + dt.timedelta(days=1)
    return {
        "A": Window(_local(a_start, 8), _local(a_start + dt.timedelta(days=2), 8), "completed"),
        "B": Window(_local(monday, 8), _local(tuesday, 20), "confirmed"),
        "C": Window(_local(c_start, 7), _local(c_start + dt.timedelta(days=3), 7), "completed"),
        "D1": Window(_local(tuesday, 8), _local(tuesday + dt.timedelta(days=1), 8), "announced"),
        "D2": Window(
            _local(tuesday + dt.timedelta(days=7), 8),
            _local(tuesday + dt.timedelta(days=7), 17),
            "announced",
        ),
        "D3": Window(
            _local(tuesday + dt.timedelta(days=14), 8),
            _local(tuesday + dt.timedelta(days=14), 17),
            "announced",
        ),
    }
