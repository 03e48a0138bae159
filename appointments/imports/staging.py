"""What an import has read so far, kept in temporary tables instead of in memory.

A streamed import must still see the whole file: a booking repeated 900,000 rows later
is a duplicate, and the same NHS number with another date of birth is an error wherever
it comes. Sets in Python would grow with the file; two temporary tables, private to the
connection and created inside the import's transaction (so a refused import leaves
nothing behind), keep memory flat whatever the size. Every statement takes a whole
chunk at once. The SQL is built from the constant table names below and placeholders
only (hence the ``noqa: S608``); values always travel as parameters.

- ``strikedesk_import_bookings``: each booking read (``trust_id:external_id``) and the
  first row that named it.
- ``strikedesk_import_patients``: each NHS number read, the first row that named it, its
  date of birth, the latest details (later rows win; applied at the end), and how many
  of its bookings the import left unchanged (they count as updated if the details
  change).
"""

from collections.abc import Sequence

from django.db import connection

from .sql import fetch_by_keys, insert_rows

BOOKINGS = "strikedesk_import_bookings"
PATIENTS = "strikedesk_import_patients"


class Staging:
    def create(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {BOOKINGS} ("
                "booking_key VARCHAR(100) PRIMARY KEY, first_row INTEGER NOT NULL)"
            )
            cursor.execute(
                f"CREATE TEMPORARY TABLE {PATIENTS} ("
                "nhs_number VARCHAR(10) PRIMARY KEY, first_row INTEGER NOT NULL, "
                "date_of_birth VARCHAR(10) NOT NULL, details TEXT, preferred_channel "
                "VARCHAR(10), unchanged_bookings INTEGER NOT NULL)"
            )

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {BOOKINGS}")
            cursor.execute(f"DROP TABLE {PATIENTS}")

    def bookings_seen(self, keys: Sequence[str]) -> dict[str, int]:
        """Of ``keys``, those read before, with the row that first named each."""
        found = fetch_by_keys(
            table=BOOKINGS,
            keys=[("booking_key", "varchar")],
            columns=["booking_key", "first_row"],
            values=[(key,) for key in keys],
        )
        return dict(found)  # type: ignore[arg-type]

    def add_bookings(self, rows: Sequence[tuple[str, int]]) -> None:
        """(key, row number) for bookings not read before."""
        insert_rows(
            insert=f"INSERT INTO {BOOKINGS} (booking_key, first_row)",
            rows=rows,
            types=("varchar", "integer"),
        )

    def patients_seen(self, numbers: Sequence[str]) -> dict[str, tuple[str, int]]:
        """Of ``numbers``, those read before: NHS number -> (date of birth, first row)."""
        found = fetch_by_keys(
            table=PATIENTS,
            keys=[("nhs_number", "varchar")],
            columns=["nhs_number", "date_of_birth", "first_row"],
            values=[(number,) for number in numbers],
        )
        return {number: (born, row) for number, born, row in found}

    def add_patients(
        self, rows: Sequence[tuple[str, int, str, str | None, str | None, int]]
    ) -> None:
        """(NHS number, row, date of birth, details JSON, channel, unchanged bookings),
        each number once. A number read before keeps its first row and date of birth;
        its details become these, its channel too unless this one is not given, and
        the unchanged bookings add up."""
        insert_rows(
            insert=f"INSERT INTO {PATIENTS} (nhs_number, first_row, date_of_birth, details, "
            "preferred_channel, unchanged_bookings)",
            rows=rows,
            types=("varchar", "integer", "varchar", "text", "varchar", "integer"),
            conflict=(
                "ON CONFLICT (nhs_number) DO UPDATE SET details = excluded.details, "
                "preferred_channel = COALESCE(excluded.preferred_channel, "
                f"{PATIENTS}.preferred_channel), unchanged_bookings = "
                f"{PATIENTS}.unchanged_bookings + excluded.unchanged_bookings"
            ),
        )

    def patients_after(
        self, nhs_number: str, limit: int
    ) -> list[tuple[str, str, str, str | None, int]]:
        """The next ``limit`` patients read, in NHS number order after ``nhs_number``:
        (NHS number, date of birth, details JSON, channel, unchanged bookings)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nhs_number, date_of_birth, details, preferred_channel, "  # noqa: S608
                f"unchanged_bookings FROM {PATIENTS} WHERE nhs_number > %s "
                "ORDER BY nhs_number LIMIT %s",
                [nhs_number, limit],
            )
            return list(cursor.fetchall())
