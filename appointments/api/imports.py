"""``POST /api/v1/appointments/import/``: bookings from a trust's PAS, JSON or CSV.

The body is read from ``request.stream`` a row at a time, never through
``request.body`` or ``request.data``: Django refuses a body over
``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB) when it is read whole, and a 50,000-row file
is 20-50 MB. Streaming keeps the limit where it belongs, on this endpoint only, and
memory at one chunk of rows. The limits here are the import's own: ``MAX_ROWS`` rows
and ``MAX_BYTES`` bytes a request (``manage.py import_appointments`` takes any number).
"""

from dataclasses import asdict

from django.urls import path
from django.utils.http import parse_header_parameters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, UnsupportedMediaType
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from appointments.imports import (
    CsvSource,
    ImportFileError,
    ImportNotAllowed,
    ImportRefused,
    ImportSource,
    JsonArraySource,
    RowError,
    appointments_import,
    text_stream,
)
from appointments.imports.fields import (
    MAX_ADDRESS_LINE_LENGTH,
    MAX_ADDRESS_LINES,
    MAX_LENGTH,
)
from appointments.models import Channel, Kind, Priority
from config.api.errors import ErrorsSerializer, error, errors_response

MAX_ROWS = 50_000
MAX_BYTES = 100 * 1024 * 1024
JSON, CSV = "application/json", "text/csv"


class ImportPatientSerializer(serializers.Serializer):
    """Documents the patient of an imported row; the import checks rows itself
    (``appointments/imports/rows.py``), far faster than a serializer per row."""

    nhs_number = serializers.CharField(
        max_length=12, help_text="10 digits passing the Modulus 11 check; spaces allowed."
    )
    given_name = serializers.CharField(max_length=MAX_LENGTH["given_name"], help_text="Given name.")
    family_name = serializers.CharField(
        max_length=MAX_LENGTH["family_name"], help_text="Family name (surname)."
    )
    date_of_birth = serializers.DateField(help_text="YYYY-MM-DD. One per NHS number in a file.")
    postcode = serializers.CharField(
        required=False, max_length=MAX_LENGTH["postcode"], help_text="e.g. NR4 7UY."
    )
    phone = serializers.CharField(
        required=False, max_length=MAX_LENGTH["phone"], help_text="A UK mobile allows texts."
    )
    email = serializers.EmailField(required=False, help_text="Email address.")
    address = serializers.ListField(
        child=serializers.CharField(max_length=MAX_ADDRESS_LINE_LENGTH),
        required=False,
        max_length=MAX_ADDRESS_LINES,
        help_text="Address lines in order, without the postcode. In CSV, one cell with the "
        "lines joined by |.",
    )
    preferred_channel = serializers.ChoiceField(
        choices=Channel.choices,
        required=False,
        help_text="sms, email, letter or phone. Left out: a stored patient keeps theirs, a "
        "new one gets letter.",
    )


class ImportRowSerializer(serializers.Serializer):
    """One booking to create or update. A field not listed is refused (so a misspelt
    one is caught), including ``reference`` and ``status``, which are StrikeDesk's."""

    external_id = serializers.CharField(
        max_length=MAX_LENGTH["external_id"],
        help_text="The trust's own id for the booking; with trust, what the upsert matches on.",
    )
    trust = serializers.CharField(help_text="ODS code of a trust where you may act, e.g. RM1.")
    site = serializers.CharField(help_text="Code of one of that trust's sites, e.g. RM102.")
    service = serializers.CharField(help_text="Code of the clinical service, e.g. chemotherapy.")
    kind = serializers.ChoiceField(
        choices=Kind.choices, help_text="outpatient, inpatient or day_case."
    )
    starts_at = serializers.DateTimeField(
        help_text="ISO 8601 with a UTC offset, e.g. 2031-07-08T09:30:00+01:00. Changes only "
        "while the booking is booked; otherwise use its reschedule endpoint."
    )
    priority = serializers.ChoiceField(
        choices=Priority.choices,
        required=False,
        help_text="urgent, cancer, soon or routine (default).",
    )
    referral_received_on = serializers.DateField(
        required=False, allow_null=True, help_text="YYYY-MM-DD; left out or null clears it."
    )
    patient = ImportPatientSerializer(
        help_text="Upserted by NHS number: the last row naming a patient sets their details."
    )


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="New bookings (status booked, new reference).")
    updated = serializers.IntegerField(help_text="Rows that changed a booking or its patient.")
    unchanged = serializers.IntegerField(help_text="Rows that matched what was stored.")


CSV_EXAMPLE = (
    "external_id,trust,site,service,kind,starts_at,priority,referral_received_on,"
    "patient_nhs_number,patient_given_name,patient_family_name,patient_date_of_birth,"
    "patient_postcode,patient_phone,patient_email,patient_address,patient_preferred_channel\n"
    "PAS-000123,RM1,RM102,ophthalmology,outpatient,2031-07-08T09:30:00+01:00,routine,"
    "2031-01-05,9434765919,Alex,Example,1970-05-17,NR4 7UY,07700 900123,,"
    "1 Example Road|Norwich,sms\n"
)


class AppointmentImport(APIView):
    @extend_schema(
        operation_id="appointments_import",
        summary="Import bookings from a PAS (create or update, all or nothing)",
        description=(
            "Send a JSON array of bookings (`application/json`) or a CSV file (`text/csv`, "
            "UTF-8 with or without a byte order mark, comma separated, a header row naming "
            "the columns: the JSON field names, patient fields prefixed `patient_`, address "
            f"lines joined by `|`; an empty cell is a field left out), at most {MAX_ROWS:,} "
            "rows (use `manage.py import_appointments` for more).\n\n"
            "Bookings are matched by (`trust`, `external_id`): new ones are created booked "
            "with a new reference, stored ones updated where they differ; patients by NHS "
            "number. Posting the same file again changes nothing and reports every row "
            "`unchanged`.\n\n"
            "Any bad row refuses the whole file, nothing written: the 400 lists every "
            "error with its `row` (1-based over data rows; a CSV's header row and blank "
            "lines are not counted) and `field` (as the file names it: `patient.nhs_number` "
            "in JSON, `patient_nhs_number` in CSV). Messages never repeat personal data. "
            "Needs an operations or admin role: without one at any trust, 403; a row for "
            "another trust is an error on its `trust`."
        ),
        request={
            JSON: ImportRowSerializer(many=True),
            CSV: OpenApiTypes.STR,
        },
        responses={
            200: OpenApiResponse(
                ImportResultSerializer, description="Imported: how many rows did what."
            ),
            400: OpenApiResponse(
                ErrorsSerializer,
                description="Nothing was imported: every bad row's errors, each with `row`, "
                "or one error about the file itself (no `row`).",
            ),
            415: OpenApiResponse(ErrorsSerializer, description="Neither JSON nor CSV."),
        },
        examples=[OpenApiExample("CSV", value=CSV_EXAMPLE, media_type=CSV, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BYTES:
            return errors_response(
                [
                    error(
                        f"The body is over {MAX_BYTES // 2**20} MB: split the file, or use "
                        "`manage.py import_appointments`.",
                        code="too_large",
                    )
                ]
            )
        try:
            result = appointments_import(source=_source(request), actor=request.user)
        except ImportNotAllowed as refusal:
            raise PermissionDenied(str(refusal)) from refusal
        except (ImportRefused, ImportFileError) as refusal:
            return errors_response([_error(item) for item in refusal.errors])
        return Response(asdict(result))


def _source(request: Request) -> ImportSource:
    media_type, params = parse_header_parameters(request.content_type or "")
    charset = params.get("charset", "utf-8").lower()
    if media_type not in (JSON, CSV) or charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(
            request.content_type,
            detail="Send application/json or text/csv, in UTF-8.",
        )
    if media_type == CSV:
        return CsvSource(text_stream(request.stream), max_rows=MAX_ROWS)
    return JsonArraySource(request.stream, max_rows=MAX_ROWS)


def _error(item: RowError) -> dict:
    return error(item.message, code=item.code, field=item.field, row=item.row)


urlpatterns = [
    path("appointments/import/", AppointmentImport.as_view(), name="appointment-import"),
]
