"""``appointments_import``: upsert bookings, and their patients, from a trust's PAS.

All or nothing, streamed, set-based. Rows are read lazily and handled a chunk at a
time inside one transaction: each chunk is checked (``rows.parse_row``, then against
earlier rows and stored bookings), and, while the import has no error, written with a
fixed number of statements whatever its size (one query for its patients, one for its
bookings, then bulk inserts and updates of only what changed). After the first bad row
nothing more is written but every row is still checked, so one refusal lists every
problem; the transaction is then rolled back.

Bookings are upserted by (trust, external_id); a booking repeated in one file is an
error on the later row. Patients are upserted by NHS number: the latest row's details
win, and are applied once the whole file has been read, so a re-posted file whose rows
disagree about a patient's phone number still changes nothing the second time. The same
NHS number with two dates of birth in one file is an error on the later row. A row is
counted ``updated`` when the import changed its booking or its patient's details.

Every booking the import creates or changes gets an ``imported`` event (one batch id
per import). A change is recorded with empty statuses: it moves no status, and the
strike services read "the latest move into postponed" from events that do.
"""

import datetime as dt
import itertools
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from appointments.models import (
    Appointment,
    AppointmentEvent,
    EventAction,
    Status,
)
from appointments.references import format_booking_reference
from config.errors import DomainError

from .catalogue import Catalogue
from .patients import apply_patient_details, patients_with_ids, stage_patients
from .readers import ImportSource, RawRow, RowProblem
from .rows import BookingValues, ParsedRow, RowError, parse_row
from .sql import BULK_BATCH, insert_new, insert_per_id, models_by_keys, update_rows
from .staging import Staging

CHUNK_SIZE = 2000
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
# What an import sets on a booking; the rest (reference, status, history) is StrikeDesk's.
BOOKING_COLUMNS = (
    "patient_id",
    "site_id",
    "service_id",
    "kind",
    "starts_at",
    "priority",
    "referral_received_on",
)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


class ImportRefused(DomainError):
    """Some rows are bad; nothing was imported. ``errors`` holds the first
    ``max_errors`` (all by default), ``total`` how many there were in all."""

    def __init__(self, errors: list[RowError], *, total: int, bad_rows: int) -> None:
        self.errors = errors
        self.total = total
        self.bad_rows = bad_rows
        super().__init__(
            f"{bad_rows:,} row{'s' if bad_rows != 1 else ''} with errors ({total:,} in all); "
            "nothing was imported."
        )


class ImportNotAllowed(DomainError):
    """The importer has no trust where they may change bookings."""

    http_status = 403

    def __init__(self) -> None:
        super().__init__(
            "Importing bookings needs an operations or admin role at a trust; you have none."
        )


Progress = Callable[[int, int], None]


def appointments_import(
    *,
    source: ImportSource,
    actor: Any | None,
    national: bool = False,
    chunk_size: int = CHUNK_SIZE,
    max_errors: int | None = None,
    on_progress: Progress | None = None,
    at: dt.datetime | None = None,
) -> ImportResult:
    """Import every row of ``source`` as ``actor`` (their trusts where they may act; every
    trust if ``national``), or none: raises ``ImportRefused`` listing the bad rows, or
    ``readers.ImportFileError`` if the file itself cannot be read. ``on_progress`` is
    called after each chunk with (rows read, errors so far), and again after each chunk
    of patients once every row is read."""
    catalogue = Catalogue.load(actor=actor, national=national)
    if not catalogue.may_act_somewhere():
        raise ImportNotAllowed()
    run = _Run(
        source=source,
        catalogue=catalogue,
        actor_id=getattr(actor, "pk", None),
        now=at or timezone.now(),
        max_errors=max_errors,
    )
    with transaction.atomic():
        run.staging.create()
        for chunk in _chunks(source.rows(), chunk_size):
            run.take(chunk)
            if on_progress is not None:
                on_progress(run.rows_read, run.error_count)
        if run.error_count:
            raise ImportRefused(run.errors, total=run.error_count, bad_rows=run.bad_rows)
        moved = apply_patient_details(
            run.staging,
            now=run.now,
            chunk_size=chunk_size,
            acting=catalogue.acting,
            # Still working: the command's progress bar, which also sheds DEBUG's log.
            after_chunk=lambda: on_progress and on_progress(run.rows_read, 0),
        )
        # Bookings left as they were whose patient's details changed count as updated.
        run.counts[UNCHANGED] -= moved
        run.counts[UPDATED] += moved
        run.staging.drop()
    return ImportResult(
        created=run.counts[CREATED], updated=run.counts[UPDATED], unchanged=run.counts[UNCHANGED]
    )


def _chunks(rows: Iterable[RawRow], size: int) -> Iterator[list[RawRow]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _key(trust_id: int, external_id: str) -> str:
    return f"{trust_id}:{external_id}"


class _Run:
    """One import's state between chunks: counts, the errors kept, the staging tables."""

    def __init__(
        self,
        *,
        source: ImportSource,
        catalogue: Catalogue,
        actor_id: int | None,
        now: dt.datetime,
        max_errors: int | None,
    ) -> None:
        self.source = source
        self.catalogue = catalogue
        self.actor_id = actor_id
        self.now = now
        self.max_errors = max_errors
        self.batch_id = uuid.uuid4()
        self.staging = Staging()
        self.rows_read = 0
        self.errors: list[RowError] = []
        self.error_count = 0
        self.bad_rows = 0
        self.counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}

    def take(self, chunk: list[RawRow]) -> None:
        self.rows_read += len(chunk)
        parsed = [self._parse(number, raw) for number, raw in chunk]
        claimed = self._check_repeats(parsed)
        self._check_dates_of_birth(parsed)
        existing = self._existing([p.booking for p in parsed if p.booking is not None])
        self._check_moves(parsed, existing)
        for row in parsed:
            self._keep_errors(row.errors)
        outcomes = self._write(parsed, existing) if not self.error_count else {}
        self.staging.add_bookings(list(claimed.items()))
        unchanged = {key for key, outcome in outcomes.items() if outcome == UNCHANGED}
        stage_patients(self.staging, parsed, unchanged=unchanged)

    def _parse(self, number: int, raw: Any) -> ParsedRow:
        if isinstance(raw, RowProblem):
            parsed = ParsedRow(row=number)
            parsed.fail(None, raw.message, raw.code)
            return parsed
        return parse_row(number, raw, self.catalogue)

    def _keep_errors(self, errors: list[RowError]) -> None:
        if not errors:
            return
        self.bad_rows += 1
        self.error_count += len(errors)
        room = len(errors) if self.max_errors is None else self.max_errors - len(self.errors)
        name = self.source.field_name
        self.errors.extend(error._replace(field=name(error.field)) for error in errors[:room])

    def _check_repeats(self, parsed: list[ParsedRow]) -> dict[str, int]:
        """Refuse a booking named by an earlier row; return the keys this chunk adds."""
        keys = {
            id(row): _key(row.trust_id, row.external_id)
            for row in parsed
            if row.trust_id is not None and row.external_id is not None
        }
        first_rows = self.staging.bookings_seen(list(set(keys.values())))
        claimed: dict[str, int] = {}
        for row in parsed:
            key = keys.get(id(row))
            if key is None:
                continue
            first = first_rows.get(key) or claimed.get(key)
            if first is not None:
                row.fail(
                    "external_id",
                    f"Row {first} has the same external_id at this trust: each booking once.",
                    "duplicate",
                )
            else:
                claimed[key] = row.row
        return claimed

    def _check_dates_of_birth(self, parsed: list[ParsedRow]) -> None:
        numbers = {row.nhs_number for row in parsed if row.nhs_number and row.date_of_birth}
        first = {
            number: (dt.date.fromisoformat(born), row)
            for number, (born, row) in self.staging.patients_seen(list(numbers)).items()
        }
        for row in parsed:
            if row.nhs_number is None or row.date_of_birth is None:
                continue
            earlier = first.setdefault(row.nhs_number, (row.date_of_birth, row.row))
            if earlier[0] != row.date_of_birth:
                row.fail(
                    "patient.date_of_birth",
                    f"Row {earlier[1]} gives the same NHS number another date of birth.",
                    "date_of_birth_conflict",
                )
                row.date_of_birth = None  # so it is not staged as this patient's

    def _existing(self, bookings: list[BookingValues]) -> dict[tuple[int, str], Appointment]:
        columns = ["id", "reference", "trust_id", "external_id", "status", *BOOKING_COLUMNS]
        found = models_by_keys(
            Appointment,
            keys=[("trust_id", "bigint"), ("external_id", "varchar")],
            columns=columns,
            values=[(booking.trust_id, booking.external_id) for booking in bookings],
        )
        return {(booking.trust_id, booking.external_id): booking for booking in found}

    def _check_moves(
        self, parsed: list[ParsedRow], existing: dict[tuple[int, str], Appointment]
    ) -> None:
        for row in parsed:
            booking = row.booking
            if booking is None:
                continue
            stored = existing.get((booking.trust_id, booking.external_id))
            if stored is None or stored.status == Status.BOOKED:
                continue
            if stored.starts_at != booking.starts_at:
                row.fail(
                    "starts_at",
                    f"Booking {format_booking_reference(stored.reference)} is "
                    f"{Status(stored.status).label.lower()}: its time changes through POST "
                    f"/api/v1/appointments/{stored.reference}/reschedule/, not by import.",
                    "not_booked",
                )

    def _write(
        self, parsed: list[ParsedRow], existing: dict[tuple[int, str], Appointment]
    ) -> dict[str, str]:
        bookings = [row.booking for row in parsed if row.booking is not None]
        patient_ids = patients_with_ids([booking.patient for booking in bookings])
        outcomes: dict[str, str] = {}
        created: list[Appointment] = []
        changed: list[tuple[Appointment, list[str], dt.datetime]] = []
        for booking in bookings:
            key = _key(booking.trust_id, booking.external_id)
            values = {
                "patient_id": patient_ids[booking.patient.nhs_number],
                "site_id": booking.site_id,
                "service_id": booking.service_id,
                "kind": booking.kind,
                "starts_at": booking.starts_at,
                "priority": booking.priority,
                "referral_received_on": booking.referral_received_on,
            }
            stored = existing.get((booking.trust_id, booking.external_id))
            if stored is None:
                created.append(
                    Appointment(
                        trust_id=booking.trust_id, external_id=booking.external_id, **values
                    )
                )
                outcomes[key] = CREATED
                continue
            differ = [name for name, value in values.items() if getattr(stored, name) != value]
            if not differ:
                outcomes[key] = UNCHANGED
                continue
            was = stored.starts_at
            for name in differ:
                setattr(stored, name, values[name])
            stored.updated_at = self.now
            changed.append((stored, differ, was))
            outcomes[key] = UPDATED
        insert_new(created)
        update_rows([booking for booking, _, _ in changed], [*BOOKING_COLUMNS, "updated_at"])
        insert_per_id(
            into=AppointmentEvent,
            id_field="appointment",
            ids=[booking.pk for booking in created],
            constants={**self._event_constants("actor"), "to_status": Status.BOOKED, "detail": {}},
        )
        AppointmentEvent.objects.bulk_create(
            [
                AppointmentEvent(
                    appointment_id=booking.pk,
                    **self._event_constants("actor_id"),
                    to_status="",
                    detail=_what_changed(differ, was),
                )
                for booking, differ, was in changed
            ],
            batch_size=BULK_BATCH,
        )
        for outcome in outcomes.values():
            self.counts[outcome] += 1
        return outcomes

    def _event_constants(self, actor: str) -> dict[str, Any]:
        return {
            "at": self.now,
            actor: self.actor_id,
            "action": EventAction.IMPORTED,
            "from_status": "",
            "batch_id": self.batch_id,
        }


def _what_changed(differ: list[str], starts_at_was: dt.datetime) -> dict[str, Any]:
    detail: dict[str, Any] = {"changed": [name.removesuffix("_id") for name in differ]}
    if "starts_at" in differ:
        detail["starts_at_was"] = starts_at_was.isoformat()
    return detail
