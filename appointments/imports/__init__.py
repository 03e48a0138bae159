"""Bulk import of bookings from a trust's patient administration system (PAS).

The same import behind ``POST /api/v1/appointments/import/`` and ``manage.py
import_appointments``: ``readers`` turn CSV, a JSON array or JSON Lines into rows one at
a time, ``rows`` checks each row, and ``service.appointments_import`` upserts them all or
none (see its docstring for the rules). ``fields`` holds the row's contract.
"""

from .readers import (
    CsvSource,
    ImportFileError,
    ImportSource,
    JsonArraySource,
    JsonLinesSource,
    RowProblem,
    text_stream,
)
from .rows import RowError
from .service import (
    ImportNotAllowed,
    ImportRefused,
    ImportResult,
    appointments_import,
)

__all__ = [
    "CsvSource",
    "ImportFileError",
    "ImportNotAllowed",
    "ImportRefused",
    "ImportResult",
    "ImportSource",
    "JsonArraySource",
    "JsonLinesSource",
    "RowError",
    "RowProblem",
    "appointments_import",
    "text_stream",
]
