"""manage.py import_appointments: the same import from a file, with progress on stderr."""

import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, OutputWrapper

from appointments.management.commands import import_appointments
from appointments.management.commands.import_appointments import Progress
from appointments.models import Appointment, Patient
from tests.factories import MembershipFactory, ServiceFactory, SiteFactory, TrustFactory
from trusts.models import Membership

from .helpers import as_csv, as_jsonl, row, stored

pytestmark = pytest.mark.django_db


def command(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_appointments", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_csv_file_is_imported_with_progress_on_stderr(tmp_path, place, operator):
    path = tmp_path / "bookings.csv"
    path.write_bytes(as_csv([row(place, n) for n in range(1, 4)], bom=True))

    out, err = command(str(path), "--user", operator.username)

    assert out == "3 created, 0 updated, 0 unchanged.\n"
    assert "3 / 3 rows (100%)" in err
    assert "rows/s" in err
    again, _ = command(str(path), "--user", operator.username)
    assert again == "0 created, 0 updated, 3 unchanged.\n"


FILES = Path(__file__).parent / "files"


def test_the_sample_files_import_as_documented(db):
    trust = TrustFactory(ods_code="RM1")
    SiteFactory(trust=trust, code="RM102")
    ServiceFactory(code="ophthalmology")

    from_csv, _ = command(str(FILES / "bookings.csv"), "--national")
    from_lines, _ = command(str(FILES / "bookings.jsonl"), "--national")

    assert from_csv == "3 created, 0 updated, 0 unchanged.\n"
    assert from_lines == "2 created, 0 updated, 0 unchanged.\n"
    alex = Patient.objects.get(nhs_number="9434765919")  # written "943 476 5919" once
    assert alex.appointments.count() == 3
    assert alex.preferred_channel == "sms"  # a row leaving it empty keeps it
    sam = Patient.objects.get(nhs_number="4010232137")
    assert (sam.given_name, sam.family_name) == ('Sam "Jo"', "O'Example")
    assert sam.address == ["Flat 2, The Lodge", "Norwich"]
    late = Appointment.objects.get(external_id="PAS-000125")
    assert (late.priority, late.referral_received_on) == ("routine", None)


def test_json_lines_and_json_arrays_are_imported(tmp_path, place, operator):
    lines = tmp_path / "bookings.jsonl"
    lines.write_bytes(as_jsonl([row(place, 1), row(place, 2)]))
    array = tmp_path / "export.txt"
    array.write_text(json.dumps([row(place, 2, kind="inpatient"), row(place, 3)]))

    first, _ = command(str(lines), "--user", operator.username)
    second, err = command(str(array), "--format", "json", "--user", operator.username)

    assert first == "2 created, 0 updated, 0 unchanged.\n"
    assert second == "1 created, 1 updated, 0 unchanged.\n"
    assert err.startswith("2 rows, ")  # an array's rows are not counted beforehand


def test_a_refused_file_lists_its_errors_and_writes_nothing(tmp_path, place, operator):
    rows = [row(place, n) for n in range(1, 5)]
    rows[1]["patient"]["nhs_number"] = "9434765918"
    rows[3]["kind"] = "telephone"
    path = tmp_path / "bookings.csv"
    path.write_bytes(as_csv(rows))
    err = io.StringIO()

    with pytest.raises(CommandError, match="2 rows with errors"):
        call_command(
            "import_appointments", str(path), "--user", operator.username, stderr=err, chunk_size=1
        )

    lines = err.getvalue().splitlines()
    assert "row 2, patient_nhs_number: This is not a valid NHS number" in lines[-2]
    assert lines[-1].startswith("row 4, kind: Must be one of")
    assert "9434765918" not in err.getvalue()
    assert stored() == (0, 0, 0)


def test_printed_errors_are_capped_with_the_total(tmp_path, place, operator, monkeypatch):
    monkeypatch.setattr(import_appointments, "PRINTED_ERRORS", 2)
    path = tmp_path / "bookings.jsonl"
    path.write_bytes(as_jsonl([row(place, n, kind="x") for n in range(1, 6)]))
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_appointments", str(path), "--user", operator.username, stderr=err)

    assert err.getvalue().splitlines()[-1] == "... and 3 more errors (5 in all)."


def test_a_file_that_cannot_be_read_is_refused(tmp_path, operator):
    path = tmp_path / "bookings.csv"
    path.write_text("external_id,trust\n")
    err = io.StringIO()

    with pytest.raises(CommandError, match="cannot be read"):
        call_command("import_appointments", str(path), "--user", operator.username, stderr=err)

    assert "kind: The header has no 'kind' column. [required]" in err.getvalue().splitlines()


def test_who_imports_must_be_said_and_may_act(tmp_path, place):
    path = tmp_path / "bookings.csv"
    path.write_bytes(as_csv([row(place, 1)]))
    viewer = MembershipFactory(trust=place.trust, role=Membership.Role.VIEWER).user

    with pytest.raises(CommandError, match="one of the arguments --user --national"):
        command(str(path))
    with pytest.raises(CommandError, match="operations or admin role"):
        command(str(path), "--user", viewer.username)
    assert command(str(path), "--national")[0] == "1 created, 0 updated, 0 unchanged.\n"
    with pytest.raises(CommandError, match="Say which format"):
        command(str(path.rename(path.with_suffix(".dat"))), "--national")


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_redraws_one_line_on_a_terminal_and_prints_lines_elsewhere():
    terminal, log = FakeTerminal(), io.StringIO()
    on_terminal = Progress(OutputWrapper(terminal), total=10)
    in_log = Progress(OutputWrapper(log), total=300, every=100)

    for done in (4, 8, 10):
        on_terminal.update(done, 0)
    for done in (60, 120, 180, 240, 290):
        in_log.update(done, 1 if done > 200 else 0)
    on_terminal.finish()
    in_log.finish()

    assert terminal.getvalue().count("\r") == 3
    assert terminal.getvalue().endswith("\n")
    assert "\n" not in terminal.getvalue().rstrip("\n")
    assert [line.split(",")[0] for line in log.getvalue().splitlines()] == [
        "120 / 300 rows (40%)",
        "240 / 300 rows (80%)",
        "290 / 300 rows (97%)",
    ]
    assert "1 errors (nothing will be imported)" in log.getvalue().splitlines()[-1]


@pytest.mark.slow
def test_a_refused_import_exits_non_zero(tmp_path):
    """As run from a shell, against a database of its own."""
    database = tmp_path / "db.sqlite3"
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    manage = [sys.executable, str(Path(__file__).parents[3] / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=environment, check=True)
    path = tmp_path / "bookings.jsonl"
    path.write_text(json.dumps({"external_id": "1", "trust": "ZZ9"}) + "\n")

    done = subprocess.run(
        [*manage, "import_appointments", str(path), "--national"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 1
    assert "row 1, trust: No trust ZZ9 among yours. [unknown_trust]" in done.stderr
    assert "nothing was imported" in done.stderr
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT COUNT(*) FROM appointments_appointment").fetchone() == (0,)
