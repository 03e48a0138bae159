import datetime as dt

import pytest

from demo.calendar import LONDON, strike_windows


@pytest.mark.parametrize(
    "today",
    [
        dt.date(2026, 11, 23),
        dt.date(2026, 11, 26),
        dt.date(2026, 11, 27),
        dt.date(2027, 1, 19),
        dt.date(2026, 3, 14),
        dt.date(2028, 2, 29),
    ],
)
def test_strike_b_is_next_monday_and_tuesday_with_the_notice_deadline_still_ahead(today):
    windows = strike_windows(today, notice_lead_days=3)
    start = windows["B"].starts_at.astimezone(LONDON)
    end = windows["B"].ends_at.astimezone(LONDON)

    assert start.strftime("%A %H:%M") == "Monday 08:00"
    assert end.strftime("%A %H:%M") == "Tuesday 20:00"
    deadline = start.date() - dt.timedelta(days=3)
    assert deadline > today, "staff must have time to tell patients before the deadline"
    assert (start.date() - today).days <= 11, "the next suitable Monday, not a later one"


@pytest.mark.parametrize(
    "today", [dt.date(2026, 11, 23), dt.date(2026, 1, 19), dt.date(2026, 3, 15)]
)
def test_reported_strikes_a_and_c_are_always_in_the_past_on_their_reported_dates(today):
    windows = strike_windows(today)
    a, c = windows["A"], windows["C"]

    assert a.ends_at.date() < today
    assert c.ends_at.date() < today
    assert [d.strftime("%d %b") for d in a.days] == ["18 Jan", "19 Jan"]
    assert [d.strftime("%d %b") for d in c.days] == ["13 Mar", "14 Mar", "15 Mar"]
    assert a.starts_at.astimezone(LONDON).hour == 8
    assert c.starts_at.astimezone(LONDON).hour == 7


def test_hampshire_first_walkout_is_on_strike_b_tuesday_then_weekly():
    windows = strike_windows(dt.date(2026, 11, 23))
    tuesdays = [windows[k].starts_at.astimezone(LONDON) for k in ("D1", "D2", "D3")]

    assert [t.strftime("%A %d %B") for t in tuesdays] == [
        "Tuesday 01 December",
        "Tuesday 08 December",
        "Tuesday 15 December",
    ]
    assert windows["D1"].ends_at - windows["D1"].starts_at == dt.timedelta(hours=24)
