"""The "add to calendar" file: valid iCalendar that calendar apps accept."""

import datetime as dt

from appointments.fhir.systems import NOMINAL_DURATION
from appointments.status_check.answers import Answer, AnswerState
from appointments.status_check.calendar import appointment_calendar

ANSWER = Answer(
    state=AnswerState.RESCHEDULED,
    reference="K7QM3XDA9RT2",
    starts_at=dt.datetime(2026, 7, 8, 8, 30, tzinfo=dt.UTC),  # 9:30am BST
    kind="outpatient",
    site_name="Norfolk and Norwich University Hospital, Colney Lane",
    site_town="Norwich",
    service_name="Endoscopy; upper GI",
    trust_name="Norfolk and Norwich University Hospitals",
    contact_line="Appointments: 01603 286286",
    revised_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC),
)


def unfolded(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_the_event_is_at_the_appointments_time_in_utc_with_a_nominal_end():
    lines = unfolded(appointment_calendar(ANSWER, now=dt.datetime(2026, 6, 1, tzinfo=dt.UTC)))
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-2:] == ["END:VCALENDAR", ""]
    assert "DTSTART:20260708T083000Z" in lines
    end = ANSWER.starts_at + NOMINAL_DURATION["outpatient"]
    assert f"DTEND:{end:%Y%m%dT%H%M%SZ}" in lines
    assert "DTSTAMP:20260601T000000Z" in lines
    assert "VERSION:2.0" in lines


def test_text_is_escaped_and_long_lines_are_folded():
    text = appointment_calendar(ANSWER)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    lines = unfolded(text)
    assert "SUMMARY:Hospital appointment: Endoscopy\\; upper GI" in lines
    assert "LOCATION:Norfolk and Norwich University Hospital\\, Colney Lane\\, Norwich" in lines
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))
    assert "K7QM-3XDA-9RT2" in description
    assert "\\n" in description
    assert "\n" not in description
    assert "01603 286286" in description


def test_a_moved_booking_keeps_its_uid_with_a_higher_sequence():
    """Calendars replace an event with the same UID and a higher SEQUENCE; a new UID
    would leave the old date in the patient's calendar."""

    def field(text: str, name: str) -> str:
        return next(line for line in unfolded(text) if line.startswith(f"{name}:"))

    first = appointment_calendar(ANSWER)
    moved = appointment_calendar(
        Answer(
            **{
                **vars(ANSWER),
                "starts_at": ANSWER.starts_at + dt.timedelta(days=14),
                "revised_at": ANSWER.revised_at + dt.timedelta(minutes=5),
            }
        )
    )
    assert field(first, "UID") == field(moved, "UID")
    assert ANSWER.reference not in field(first, "UID")
    assert int(field(moved, "SEQUENCE")[9:]) > int(field(first, "SEQUENCE")[9:])


def test_multibyte_text_is_folded_between_characters():
    answer = Answer(**{**vars(ANSWER), "service_name": "Gwasanaeth ŵ" * 20})
    text = appointment_calendar(answer)
    for line in text.split("\r\n"):
        line.encode().decode("utf-8")  # a split character would not decode
        assert len(line.encode()) <= 75
