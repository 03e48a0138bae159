"""Patients in an import: upserted by NHS number, the last row naming one winning.

A new patient is created as soon as a chunk names them (bookings need the id). A stored
patient's details change only once the whole file has been read, from what the last
row naming them said (kept in the staging table): rows far apart that disagree about a
phone number would otherwise change it twice, and a repeat of the file would report
changes where the end result is the same.
"""

import datetime as dt
import json
from collections.abc import Callable

from appointments.models import Appointment, Channel, Patient

from .rows import DETAIL_FIELDS, ParsedRow, PatientValues
from .sql import insert_new, models_by_keys, update_rows
from .staging import Staging

PATIENT_COLUMNS = (*DETAIL_FIELDS, "date_of_birth", "preferred_channel")
BY_NHS_NUMBER = [("nhs_number", "varchar")]


def patients_with_ids(patients: list[PatientValues]) -> dict[str, int]:
    """Ids by NHS number, creating the patients not stored yet (with the latest of
    ``patients`` naming each)."""
    latest = {patient.nhs_number: patient for patient in patients}
    stored = models_by_keys(
        Patient,
        keys=BY_NHS_NUMBER,
        columns=["id", "nhs_number"],
        values=[(number,) for number in latest],
    )
    ids = {patient.nhs_number: patient.pk for patient in stored}
    new = [
        Patient(
            nhs_number=number,
            date_of_birth=values.date_of_birth,
            **dict(zip(DETAIL_FIELDS, values.details(), strict=True)),
            preferred_channel=values.preferred_channel or Channel.LETTER,
        )
        for number, values in latest.items()
        if number not in ids
    ]
    insert_new(new)
    ids.update((patient.nhs_number, patient.pk) for patient in new)
    return ids


def stage_patients(staging: Staging, parsed: list[ParsedRow], *, unchanged: set[str]) -> None:
    """Record the chunk's patients: date of birth (for later rows to agree with), latest
    details and channel, and how many of their bookings (keys in ``unchanged``) the
    import left as they were."""
    staged: dict[str, tuple[str, int, str, str | None, str | None, int]] = {}
    for row in parsed:
        number, born = row.nhs_number, row.date_of_birth
        if number is None or born is None:
            continue
        patient = row.booking.patient if row.booking is not None else None
        first_row, channel, count = row.row, None, 0
        if number in staged:
            _, first_row, _, _, channel, count = staged[number]
        if patient is not None and patient.preferred_channel:
            channel = patient.preferred_channel
        key = f"{row.trust_id}:{row.external_id}"
        staged[number] = (
            number,
            first_row,
            born.isoformat(),
            json.dumps(patient.details(), ensure_ascii=False) if patient else None,
            channel,
            count + (key in unchanged),
        )
    staging.add_patients(list(staged.values()))


def _booked_elsewhere(patient_ids: list[int], acting: frozenset[int] | None) -> set[int]:
    """The patients among ``patient_ids`` with a booking at a trust outside ``acting``."""
    if acting is None:
        return set()
    elsewhere = Appointment.objects.filter(patient_id__in=patient_ids).exclude(trust_id__in=acting)
    return set(elsewhere.values_list("patient_id", flat=True).distinct())


def apply_patient_details(
    staging: Staging,
    *,
    now: dt.datetime,
    chunk_size: int,
    acting: frozenset[int] | None,
    after_chunk: Callable[[], None] = lambda: None,
) -> int:
    """Give each stored patient the details the last row naming them gave, a chunk of
    patients at a time; return how many bookings left unchanged have a changed patient.

    A patient who also has bookings at a trust outside ``acting`` (the importer's trusts;
    None is national) keeps their details: one trust's PAS must not rewrite the name,
    date of birth or contact details another trust relies on, and a mistyped NHS number
    that happens to be someone else's must not overwrite that person. Their new booking
    still links to them.
    """
    after = ""
    moved = 0
    while staged := staging.patients_after(after, chunk_size):
        after = staged[-1][0]
        stored = models_by_keys(
            Patient,
            keys=BY_NHS_NUMBER,
            columns=["id", "nhs_number", *PATIENT_COLUMNS],
            values=[(row[0],) for row in staged],
        )
        by_number = {patient.nhs_number: patient for patient in stored}
        shared = _booked_elsewhere([patient.pk for patient in stored], acting)
        changed = []
        for number, born, details, channel, unchanged_bookings in staged:
            patient = by_number[number]
            if patient.pk in shared:
                continue
            values = dict(zip(DETAIL_FIELDS, json.loads(details), strict=True))
            values["date_of_birth"] = dt.date.fromisoformat(born)
            if channel:
                values["preferred_channel"] = channel
            differ = [name for name, value in values.items() if getattr(patient, name) != value]
            if differ:
                for name in differ:
                    setattr(patient, name, values[name])
                patient.updated_at = now
                changed.append(patient)
                moved += unchanged_bookings
        update_rows(changed, [*PATIENT_COLUMNS, "updated_at"])
        after_chunk()
    return moved
