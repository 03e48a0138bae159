"""The readers: rows one at a time, whatever the read boundaries; file errors vs row errors."""

import io
import json

import pytest

from appointments.imports import readers
from appointments.imports.readers import (
    CsvSource,
    ImportFileError,
    JsonArraySource,
    JsonLinesSource,
    RowProblem,
    text_stream,
)


def json_rows(data: bytes, **options) -> list:
    return list(JsonArraySource(io.BytesIO(data), **options).rows())


ITEMS = [{"external_id": "é-1", "patient": {"address": ["a", "b"]}}, 12345, {"n": [1, 2.5]}]
ARRAY = "\ufeff[\n  " + ",\n  ".join(json.dumps(i, ensure_ascii=False) for i in ITEMS) + "\n]\n"


@pytest.mark.parametrize("read_size", [1, 2, 3, 5, 7, 64, 1 << 16])
def test_a_json_array_reads_the_same_whatever_the_read_size(monkeypatch, read_size):
    monkeypatch.setattr(readers, "READ_SIZE", read_size)

    rows = json_rows(ARRAY.encode())

    assert [number for number, _ in rows] == [1, 2, 3]
    assert rows[0][1] == ITEMS[0]
    assert isinstance(rows[1][1], RowProblem)  # a number, even one cut by a read
    assert rows[2][1] == ITEMS[2]


def test_a_json_array_is_read_lazily():
    class Endless(io.RawIOBase):
        started = False

        def readable(self):
            return True

        def readinto(self, buffer):
            chunk = b'{"a": 1},' if self.started else b"["
            self.started = True
            buffer[: len(chunk)] = chunk
            return len(chunk)

    rows = JsonArraySource(io.BufferedReader(Endless())).rows()
    next(rows)  # would never return if the array had to be read whole first

    assert next(rows) == (2, {"a": 1})


def test_an_oversized_json_item_is_refused_rather_than_buffered(monkeypatch):
    monkeypatch.setattr(readers, "MAX_JSON_ITEM_CHARS", 100)
    monkeypatch.setattr(readers, "READ_SIZE", 16)

    with pytest.raises(ImportFileError, match="Malformed JSON in row 2"):
        json_rows(b'[{"a": 1}, {"a": "' + b"x" * 500 + b'"}]')


def test_json_rows_beyond_the_limit_stop_the_read():
    rows = JsonArraySource(io.BytesIO(b"[{}, {}, {}]"), max_rows=2).rows()

    assert [number for number, _ in [next(rows), next(rows)]] == [1, 2]
    with pytest.raises(ImportFileError, match="More than 2 rows"):
        next(rows)


def test_json_lines_skip_blank_lines_and_report_bad_ones_as_rows():
    data = '\ufeff{"a": 1}\n\n{"a": \n[1]\r\n{"b": 2}\n'.encode()

    rows = list(JsonLinesSource(text_stream(io.BytesIO(data))).rows())

    assert [(n, r if isinstance(r, dict) else r.code) for n, r in rows] == [
        (1, {"a": 1}),
        (2, "parse"),
        (3, "invalid"),
        (4, {"b": 2}),
    ]


def test_csv_cells_may_be_quoted_and_empty_cells_are_left_out():
    header = "external_id,trust,site,service,kind,starts_at,patient_nhs_number,"
    header += "patient_given_name,patient_family_name,patient_date_of_birth,patient_address\n"
    data = header + '"A,1",RM1,RM101,eyes,outpatient,"2031-07-08T09:30:00+01:00",1,"Jo","O\'Neil",'
    data += '1970-01-01,"Flat 1|""The Lodge""|Norwich"\n'

    ((number, fields),) = list(CsvSource(text_stream(io.BytesIO(data.encode()))).rows())

    assert number == 1
    assert fields["external_id"] == "A,1"
    assert fields["patient"]["address"] == ["Flat 1", '"The Lodge"', "Norwich"]
    assert "priority" not in fields


def test_csv_that_is_not_utf8_is_refused():
    data = "external_id,trust\nCafé,RM1\n".encode("latin-1")

    with pytest.raises(ImportFileError, match="not UTF-8"):
        list(CsvSource(text_stream(io.BytesIO(data))).rows())
