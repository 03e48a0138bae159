"""Reading an import's rows lazily from CSV, a JSON array, or JSON Lines.

Each reader yields ``(row_number, fields)`` one row at a time, where ``fields`` is the
nested JSON shape (CSV rows are reshaped to it) or a ``RowProblem`` when the row itself
could not be read; so memory holds one row, never the file. Row numbers are 1-based and
count data rows only: a CSV's header is not a row, and blank lines are skipped without
being counted. A problem with the file as a whole (not UTF-8, not an array, a CSV
without its header or with unknown columns, more rows than allowed) raises
``ImportFileError``.
"""

import codecs
import csv
import difflib
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any, Protocol

from .fields import (
    ADDRESS_SEPARATOR,
    CSV_COLUMNS,
    CSV_PATIENT_PREFIX,
    NOT_IMPORTED,
    REQUIRED_CSV_COLUMNS,
    csv_column,
    shown_name,
)
from .rows import RowError

READ_SIZE = 1 << 16
# One appointment is well under a kilobyte; anything this big is not one.
MAX_JSON_ITEM_CHARS = 1 << 20
FIELD_LIST = ", ".join(CSV_COLUMNS)
_JSON_WHITESPACE = re.compile(r"[ \t\n\r]*")


class ImportFileError(Exception):
    """The file as a whole cannot be imported; nothing was."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__("; ".join(error.message for error in errors))

    @classmethod
    def one(cls, message: str, *, code: str, row: int | None = None) -> "ImportFileError":
        return cls([RowError(row, None, message, code)])


@dataclass(frozen=True)
class RowProblem:
    """A row that could not be read into fields at all (bad JSON on one line, a CSV row
    with the wrong number of values)."""

    message: str
    code: str


RawRow = tuple[int, Mapping[str, Any] | RowProblem]


class ImportSource(Protocol):
    def rows(self) -> Iterator[RawRow]: ...

    def field_name(self, path: str | None) -> str | None:
        """How the file names the field at ``path`` (dotted, as in JSON)."""
        ...


def too_many_rows(max_rows: int) -> ImportFileError:
    return ImportFileError.one(
        f"More than {max_rows:,} rows: split the file, or import it with "
        "`manage.py import_appointments`, which takes any number.",
        code="too_many_rows",
    )


def not_utf8(row: int) -> ImportFileError:
    return ImportFileError.one(
        f"The file is not UTF-8 text (at row {row}); save it as UTF-8.", code="encoding"
    )


class _Raw(io.RawIOBase):
    """Any object with ``read(n)`` (a request, a file) as a stream ``io`` can buffer."""

    def __init__(self, source: Any) -> None:
        self._source = source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._source.read(len(buffer)) if self._source is not None else b""
        buffer[: len(data)] = data
        return len(data)


def text_stream(source: Any) -> IO[str]:
    """UTF-8 text (a leading byte order mark dropped) from a binary ``read(n)`` source."""
    return io.TextIOWrapper(
        io.BufferedReader(_Raw(source), READ_SIZE), encoding="utf-8-sig", newline=""
    )


class CsvSource:
    """A CSV with a header row naming the columns (``fields.CSV_COLUMNS``), comma
    separated, double-quoted where needed. An empty cell is a field not given; patient
    fields carry the ``patient_`` prefix; address lines are joined with ``|``."""

    def __init__(self, text: IO[str], *, max_rows: int | None = None) -> None:
        self._text = text
        self._max_rows = max_rows

    def field_name(self, path: str | None) -> str | None:
        return None if path is None else csv_column(path)

    def rows(self) -> Iterator[RawRow]:
        reader = csv.reader(self._text)
        number = 0
        try:
            header = next(reader, None)
            if header is None or not any(cell.strip() for cell in header):
                raise ImportFileError.one(
                    f"The CSV is empty: it needs a header row naming its columns ({FIELD_LIST}).",
                    code="empty",
                )
            columns = [cell.strip() for cell in header]
            _check_header(columns)
            for cells in reader:
                if not any(cell.strip() for cell in cells):
                    continue
                number += 1
                if self._max_rows is not None and number > self._max_rows:
                    raise too_many_rows(self._max_rows)
                if len(cells) != len(columns):
                    yield (
                        number,
                        RowProblem(
                            f"This row has {len(cells)} values but the header has "
                            f"{len(columns)} columns.",
                            "columns",
                        ),
                    )
                    continue
                yield number, _reshape(columns, cells)
        except UnicodeDecodeError:
            raise not_utf8(number + 1) from None
        except csv.Error as error:
            raise ImportFileError.one(
                f"The CSV cannot be read at row {number + 1}: {error}.", code="malformed"
            ) from None


def _check_header(columns: list[str]) -> None:
    if not set(columns) & set(CSV_COLUMNS):
        # Most likely a file saved without its header: the first booking's values are
        # not repeated back, they may be a patient's.
        raise ImportFileError.one(
            f"The first row must be the header naming the columns ({FIELD_LIST}); none "
            "of its cells is a column name.",
            code="no_header",
        )
    errors = []
    seen: set[str] = set()
    for position, column in enumerate(columns, 1):
        name = shown_name(column)
        if column in NOT_IMPORTED:
            errors.append(RowError(None, column, NOT_IMPORTED[column], "not_imported"))
        elif column in CSV_COLUMNS and column in seen:
            errors.append(RowError(None, column, f"Column '{column}' appears twice.", "invalid"))
        elif column in CSV_COLUMNS:
            pass
        elif name is None:
            errors.append(
                RowError(
                    None,
                    None,
                    f"Column {position} is not a column this import knows (its heading is "
                    f"not repeated here). Columns: {FIELD_LIST}.",
                    "unknown_field",
                )
            )
        else:
            close = difflib.get_close_matches(name, CSV_COLUMNS, n=1, cutoff=0.7)
            hint = f": did you mean '{close[0]}'?" if close else f". Columns: {FIELD_LIST}."
            errors.append(RowError(None, name, f"Unknown column '{name}'{hint}", "unknown_field"))
        seen.add(column)
    for column in sorted(REQUIRED_CSV_COLUMNS - seen):
        errors.append(RowError(None, column, f"The header has no '{column}' column.", "required"))
    if errors:
        raise ImportFileError(errors)


def _reshape(columns: list[str], cells: list[str]) -> dict[str, Any]:
    booking: dict[str, Any] = {}
    patient: dict[str, Any] = {}
    for column, cell in zip(columns, cells, strict=True):
        if not cell:
            continue
        if column.startswith(CSV_PATIENT_PREFIX):
            name = column[len(CSV_PATIENT_PREFIX) :]
            patient[name] = cell.split(ADDRESS_SEPARATOR) if name == "address" else cell
        else:
            booking[column] = cell
    booking["patient"] = patient
    return booking


class JsonLinesSource:
    """JSON Lines: one appointment object per line (blank lines skipped)."""

    def __init__(self, text: IO[str], *, max_rows: int | None = None) -> None:
        self._text = text
        self._max_rows = max_rows

    def field_name(self, path: str | None) -> str | None:
        return path

    def rows(self) -> Iterator[RawRow]:
        number = 0
        try:
            for line in self._text:
                if not line.strip():
                    continue
                number += 1
                if self._max_rows is not None and number > self._max_rows:
                    raise too_many_rows(self._max_rows)
                try:
                    item = json.loads(line)
                except json.JSONDecodeError as error:
                    yield number, RowProblem(f"This line is not valid JSON: {error.msg}.", "parse")
                    continue
                except RecursionError:
                    yield number, RowProblem("This line nests too deeply to be a booking.", "parse")
                    continue
                yield number, _object(item)
        except UnicodeDecodeError:
            raise not_utf8(number + 1) from None


def _object(item: Any) -> Mapping[str, Any] | RowProblem:
    if isinstance(item, dict):
        return item
    return RowProblem("Each appointment must be a JSON object of fields.", "invalid")


class JsonArraySource:
    """A JSON array of appointment objects, decoded one element at a time, so a large
    array never sits in memory whole."""

    def __init__(self, source: Any, *, max_rows: int | None = None) -> None:
        self._source = source
        self._max_rows = max_rows
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._buffer = ""
        self._pos = 0
        self._eof = False

    def field_name(self, path: str | None) -> str | None:
        return path

    def rows(self) -> Iterator[RawRow]:
        number = 0
        try:
            first = self._next_char()
            if first == "":
                raise self._malformed(
                    "There is nothing to import: send a JSON array of appointments."
                )
            if first != "[":
                raise self._malformed("The JSON must be an array of appointments: [{...}, ...].")
            self._pos += 1
            if self._next_char() == "]":
                self._pos += 1
            else:
                while True:
                    number += 1
                    if self._max_rows is not None and number > self._max_rows:
                        raise too_many_rows(self._max_rows)
                    yield number, _object(self._element(number))
                    separator = self._next_char()
                    self._pos += 1
                    if separator == "]":
                        break
                    if separator != ",":
                        raise self._malformed(
                            f"Malformed JSON after row {number}: expected , or ]."
                        )
            if self._next_char() != "":
                raise self._malformed("Unexpected text after the JSON array.")
        except UnicodeDecodeError:
            raise not_utf8(number or 1) from None

    def _malformed(self, message: str) -> ImportFileError:
        return ImportFileError.one(message, code="parse")

    def _fill(self) -> bool:
        """Read more into the buffer; False at the end of the input."""
        if self._eof:
            return False
        data = self._source.read(READ_SIZE) if self._source is not None else b""
        self._eof = not data
        self._buffer = self._buffer[self._pos :] + self._decoder.decode(data, final=self._eof)
        self._pos = 0
        return not self._eof

    def _next_char(self) -> str:
        """The next character that is not whitespace, without consuming it ('' at the end)."""
        while True:
            self._pos = _JSON_WHITESPACE.match(self._buffer, self._pos).end()  # type: ignore[union-attr]
            if self._pos < len(self._buffer):
                return self._buffer[self._pos]
            if not self._fill():
                return ""

    def _element(self, number: int) -> Any:
        self._next_char()
        decoder = json.JSONDecoder()
        while True:
            try:
                item, end = decoder.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError as error:
                if len(self._buffer) - self._pos < MAX_JSON_ITEM_CHARS and self._fill():
                    continue
                raise self._malformed(f"Malformed JSON in row {number}: {error.msg}.") from None
            except RecursionError:
                raise self._malformed(f"Row {number} nests too deeply to be a booking.") from None
            # A number cut off at the end of what has been read so far would decode as a
            # shorter number: make sure the element ended before the buffer does.
            if end >= len(self._buffer) and self._fill():
                continue
            self._pos = end
            return item
