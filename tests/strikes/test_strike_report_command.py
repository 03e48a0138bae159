"""``manage.py strike_report``: what an operator reads at the command line."""

import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from appointments.models import Appointment, StrikeImpact
from strikes.models import LONDON, Strike
from tests.factories import (
    ParticipationFactory,
    PatientFactory,
    ReportedFigureFactory,
    ServiceFactory,
    SiteFactory,
    StaffAbsenceFactory,
    StaffGroupFactory,
    StrikeFactory,
)
from trusts.models import Site

pytestmark = pytest.mark.django_db

# Saturday 13 June 2026 07:00 BST to Monday 07:00: strike days Sat 13 and Sun 14 June.
START = dt.datetime(2026, 6, 13, 7, 0, tzinfo=LONDON)
END = START + dt.timedelta(days=2)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("strike_report", *args, stdout=out)
    return out.getvalue()


def lines_with(output: str, *words: str) -> list[list[str]]:
    """The lines containing every word, split on runs of two or more spaces."""
    return [
        [cell.strip() for cell in line.split("  ") if cell.strip()]
        for line in output.splitlines()
        if all(word in line for word in words)
    ]


def bookings(strike: Strike, site: Site, *, postponed: int, going_ahead: int, untouched: int):
    """Bookings in bulk on the strike's first morning, so counts run into the thousands."""
    patient, service = PatientFactory(), ServiceFactory()
    fates = ["postponed"] * postponed + ["going_ahead"] * going_ahead + [""] * untouched
    made = Appointment.objects.bulk_create(
        Appointment(
            external_id=f"CMD-{site.trust_id}-{n}",
            patient=patient,
            trust_id=site.trust_id,
            site=site,
            service=service,
            kind="inpatient" if fate == "postponed" and n % 4 == 0 else "outpatient",
            status="postponed" if fate == "postponed" else "booked",
            starts_at=strike.starts_at + dt.timedelta(hours=2),
        )
        for n, fate in enumerate(fates)
    )
    StrikeImpact.objects.bulk_create(
        StrikeImpact(appointment=a, strike=strike, outcome=fate, slot_starts_at=a.starts_at)
        for a, fate in zip(made, fates, strict=True)
        if fate
    )


@pytest.fixture
def strike() -> Strike:
    strike = StrikeFactory(
        title="BMA junior doctors' strike (June)", starts_at=START, ends_at=END, status="completed"
    )
    norwich = SiteFactory(trust__ods_code="RM1", trust__name="Norfolk and Norwich")
    lynn = SiteFactory(trust__ods_code="RCX", trust__name="Queen Elizabeth, King's Lynn")
    ParticipationFactory(strike=strike, trust=norwich.trust, participating=True)
    ParticipationFactory(strike=strike, trust=lynn.trust, participating=False)
    bookings(strike, norwich, postponed=1_200, going_ahead=300, untouched=1_500)
    bookings(strike, lynn, postponed=0, going_ahead=0, untouched=40)
    doctors = StaffGroupFactory(code="resident_doctors")
    for day, count in ((13, 410), (14, 388)):
        StaffAbsenceFactory(
            strike=strike,
            trust=norwich.trust,
            date=dt.date(2026, 6, day),
            staff_group=doctors,
            count=count,
        )
    ReportedFigureFactory(strike=strike, trust=norwich.trust, metric="postponed_total", value=1210)
    area = ReportedFigureFactory(strike=strike, trust=None, area="Norfolk and Waveney", value=1_200)
    area.covers.set([norwich.trust, lynn.trust])
    return strike


def test_the_report_shows_each_trust_with_thousands_separators_and_a_total(strike):
    output = run(strike.title)

    assert "BMA junior doctors' strike (June)" in output
    assert "Window: Sat 13 Jun 2026 07:00 to Mon 15 Jun 2026 07:00 (UK time)" in output
    assert "Strike days: Sat 13 Jun, Sun 14 Jun" in output
    (norwich,) = lines_with(output, "RM1", "Norfolk and Norwich")
    # Trust, taking part, planned, in strike, exempt, at risk, going ahead, postponed OP,
    # postponed IP+DC, postponed, % of planned, awaiting a new date, rescheduled, name.
    assert norwich == [
        "RM1", "yes", "3,000", "1,500", "0", "0", "300", "900", "300", "1,200", "40.0%",
        "1,200", "0", "Norfolk and Norwich",
    ]  # fmt: skip
    (lynn,) = lines_with(output, "RCX", "King's Lynn")
    assert lynn[:3] == ["RCX", "no", "40"]
    assert lines_with(output, "Total")[0][:2] == ["Total", "3,000"]  # those taking part


def test_the_report_puts_published_figures_beside_computed_ones(strike):
    output = run(strike.title)

    assert lines_with(output, "RM1", "Postponed (total)") == [
        ["RM1", "Postponed (total)", "1,210", "1,200", "-10", "Trust press release"]
    ]
    assert lines_with(output, "Norfolk and Waveney") == [
        ["Norfolk and Waveney", "Postponed (total)", "1,200", "1,200", "0", "Trust press release"]
    ]


def test_by_day_shows_each_trust_per_day_with_the_staff_out(strike):
    output = run(str(strike.public_id), "--by-day")

    assert lines_with(output, "RM1", "Sat 13 Jun") == [
        ["RM1", "Sat 13 Jun", "3,000", "900", "300", "1,200", "40.0%", "410", "410"]
    ]
    assert lines_with(output, "RM1", "Sun 14 Jun") == [
        ["RM1", "Sun 14 Jun", "0", "0", "0", "0", "-", "388", "388"]
    ]
    assert "Out: resident doctors" in output


def test_csv_to_a_file_writes_the_sitrep_and_says_where(strike, tmp_path):
    path = tmp_path / "sitrep.csv"

    output = run(strike.title, "--csv", str(path))

    assert f"to {path}: 2 rows" in output
    with path.open(newline="", encoding="utf-8") as written:
        header, saturday, sunday = list(csv.reader(written))
    assert header[:6] == ["strike_id", "strike_title", "date", "region", "trust_code", "trust_name"]
    assert header[-3:] == [
        "inpatient_elective_and_day_case_rescheduled",
        "outpatient_rescheduled",
        "community_and_mental_health_contacts_rescheduled",
    ]
    assert (saturday[2], saturday[4], saturday[-4:]) == (
        "2026-06-13",
        "RM1",
        ["410", "300", "900", "0"],
    )
    assert sunday[2] == "2026-06-14"


def test_csv_to_standard_output_prints_only_the_csv(strike):
    output = run(strike.title, "--csv", "-")

    rows = list(csv.reader(io.StringIO(output)))
    assert rows[0][0] == "strike_id"
    assert len(rows) == 3


def test_list_shows_ids_windows_in_uk_time_and_statuses(strike):
    StrikeFactory(
        title="Called off in talks",
        starts_at=dt.datetime(2026, 12, 1, 8, 0, tzinfo=LONDON),
        ends_at=dt.datetime(2026, 12, 2, 8, 0, tzinfo=LONDON),
        status="called_off",
    )

    output = run("--list")

    assert lines_with(output, str(strike.public_id)) == [
        [
            str(strike.public_id),
            "BMA junior doctors' strike (June)",
            "Sat 13 Jun 2026 07:00",
            "Mon 15 Jun 2026 07:00",
            "Completed",
        ]
    ]
    assert lines_with(output, "Called off in talks")[0][-3:] == [
        "Tue 01 Dec 2026 08:00",
        "Wed 02 Dec 2026 08:00",
        "Called off",
    ]


def test_compare_names_the_most_disruptive_strike(strike):
    later = StrikeFactory(
        title="Short walkout",
        starts_at=START + dt.timedelta(weeks=4),
        ends_at=END + dt.timedelta(weeks=4),
    )
    site = SiteFactory()
    ParticipationFactory(strike=later, trust=site.trust)
    bookings(later, site, postponed=90, going_ahead=0, untouched=10)

    output = run("--compare")

    # King's Lynn's 40 bookings are left out: it does not take part.
    assert lines_with(output, "BMA junior doctors' strike (June)", "Completed")[0][-4:] == [
        "3,000",
        "1,500",
        "1,200",
        "40.0%",
    ]
    assert "Most disruptive: BMA junior doctors' strike (June) (1,200 bookings postponed)." in (
        output
    )
    assert "Largest share of planned bookings postponed: Short walkout (90.0%)." in output
    assert run("--compare", "Short walkout").count("Short walkout") == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["No such strike"], "No strike is called 'No such strike'"),
        (["2b1e8d5c-0000-4000-8000-000000000000"], "No strike has the id"),
        ([], "Name one strike"),
        (["--list", "anything"], "--list takes no strike"),
        (["--compare", "--by-day"], "--by-day goes with one strike's report"),
    ],
)
def test_bad_arguments_get_a_clear_error(strike, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_two_strikes_with_the_same_title_must_be_named_by_id(strike):
    StrikeFactory(title=strike.title)

    with pytest.raises(CommandError, match="give its id instead"):
        run(strike.title)
