import csv
import time
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db import IntegrityError, reset_queries

from appointments.imports import (
    CsvSource,
    ImportFileError,
    ImportNotAllowed,
    ImportRefused,
    ImportSource,
    JsonArraySource,
    JsonLinesSource,
    RowError,
    appointments_import,
    text_stream,
)
from appointments.imports.service import CHUNK_SIZE
from strikes.management.arguments import user_named

FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
PRINTED_ERRORS = 1000


class Command(BaseCommand):
    help = (
        "Import bookings from a trust's PAS file: the same import as POST "
        "/api/v1/appointments/import/, without its row limit. CSV and JSON Lines are read a "
        "chunk at a time, so memory stays flat however big the file. All or nothing: any bad "
        "row refuses the whole file, listing the errors on stderr, and exits non-zero."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The file to import.")
        parser.add_argument(
            "--format",
            choices=sorted(set(FORMATS.values())),
            help="csv, json (one array) or jsonl (an object a line). Default: from the "
            "file's extension (.csv, .json, .jsonl or .ndjson).",
        )
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument(
            "--user",
            help="Username of the person importing: only trusts where they have an operations "
            "or admin role may be named, and the history records them.",
        )
        who.add_argument(
            "--national",
            action="store_true",
            help="Import for any trust, recorded as the system (national operators only).",
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=CHUNK_SIZE,
            help=f"Rows checked and written together (default {CHUNK_SIZE:,}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        file_format = options["format"] or FORMATS.get(path.suffix.lower())
        if file_format is None:
            raise CommandError("Say which format with --format csv, json or jsonl.")
        national = options["national"]
        actor = None if national else user_named(options["user"])
        progress = Progress(self.stderr, total=_count_rows(path, file_format))
        with path.open("rb") as raw:
            try:
                result = appointments_import(
                    source=_source(raw, file_format),
                    actor=actor,
                    national=national,
                    chunk_size=max(1, options["chunk_size"]),
                    max_errors=PRINTED_ERRORS,
                    on_progress=progress.update_and_forget_queries,
                )
            except ImportNotAllowed as refusal:
                raise CommandError(str(refusal)) from None
            except ImportFileError as refusal:
                progress.finish()
                self._print_errors(refusal.errors, total=len(refusal.errors))
                raise CommandError("The file cannot be read; nothing was imported.") from None
            except ImportRefused as refusal:
                progress.finish()
                self._print_errors(refusal.errors, total=refusal.total)
                raise CommandError(str(refusal)) from None
            except IntegrityError:
                # Another import or a person wrote the same booking or patient meanwhile.
                raise CommandError(
                    "Bookings or patients in the file were written by someone else while this "
                    "import ran; nothing was imported. Run it again."
                ) from None
        progress.finish()
        self.stdout.write(
            f"{result.created:,} created, {result.updated:,} updated, "
            f"{result.unchanged:,} unchanged."
        )

    def _print_errors(self, errors: list[RowError], *, total: int) -> None:
        for item in errors:
            where = ", ".join(
                part
                for part in (
                    f"row {item.row}" if item.row is not None else "",
                    item.field or "",
                )
                if part
            )
            self.stderr.write(f"{where or 'file'}: {item.message} [{item.code}]")
        if total > len(errors):
            self.stderr.write(f"... and {total - len(errors):,} more errors ({total:,} in all).")


def _source(raw: IO[bytes], file_format: str) -> ImportSource:
    if file_format == "csv":
        return CsvSource(text_stream(raw))
    if file_format == "jsonl":
        return JsonLinesSource(text_stream(raw))
    return JsonArraySource(raw)


def _count_rows(path: Path, file_format: str) -> int | None:
    """Rows in the file, for the progress bar: a quick pass that checks nothing (a JSON
    array's are not counted, it would mean parsing it twice)."""
    if file_format == "json":
        return None
    try:
        with path.open("rb") as raw:
            text = text_stream(raw)
            if file_format == "jsonl":
                return sum(1 for line in text if line.strip())
            rows = sum(1 for cells in csv.reader(text) if any(cell.strip() for cell in cells))
            return max(rows - 1, 0)
    except (UnicodeDecodeError, csv.Error):
        return None  # the import itself says what is wrong


class Progress:
    """Rows done (of how many), and the rate, on stderr: redrawn in place on a terminal,
    a line every ``every`` rows otherwise (a log, a CI job)."""

    def __init__(self, out: OutputWrapper, *, total: int | None, every: int = 50_000) -> None:
        self.out = out
        self.total = total
        self.every = every
        self.tty = out.isatty()
        self.started = time.monotonic()
        self.next_line = every
        self.drawn = False
        self.unprinted = ""

    def update(self, done: int, errors: int) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        text = f"{done:,}"
        if self.total:
            text += f" / {self.total:,} rows ({min(done / self.total, 1):.0%})"
        else:
            text += " rows"
        text += f", {done / elapsed:,.0f} rows/s"
        if errors:
            text += f", {errors:,} errors (nothing will be imported)"
        if self.tty:
            self.out.write(f"\r{text}\033[K", ending="")
            self.out.flush()
            self.drawn = True
        elif done >= self.next_line:
            self.out.write(text)
            self.next_line = (done // self.every + 1) * self.every
            self.unprinted = ""
        else:
            self.unprinted = text

    def update_and_forget_queries(self, done: int, errors: int) -> None:
        # With DEBUG on (the workstation default) Django keeps every statement's SQL, and
        # a chunk's statements carry thousands of values: memory would grow with the
        # file. Nothing reads that log in a command.
        reset_queries()
        self.update(done, errors)

    def finish(self) -> None:
        """End the line on a terminal; elsewhere print where it got to, if not yet."""
        if self.drawn:
            self.out.write("")
            self.drawn = False
        elif self.unprinted:
            self.out.write(self.unprinted)
            self.unprinted = ""
