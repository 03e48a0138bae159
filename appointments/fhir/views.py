"""FHIR R4 endpoints: Appointment read and search, and the CapabilityStatement.

Same authentication and trust scope as the REST API, but FHIR's shapes throughout:
resources and Bundles as ``application/fhir+json``, failures as OperationOutcome. They
stay out of the OpenAPI schema; ``/fhir/r4/metadata`` is their description.
"""

from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..references import is_well_formed_booking_reference, normalise_booking_reference
from .capability import capability_statement
from .outcomes import (
    NotSupported,
    fhir_exception_handler,
    invalid_parameter,
    issue,
    operation_outcome,
)
from .renderers import CONTENT_TYPE, RENDERERS
from .resources import appointment_resource, appointments_for_fhir
from .search import SearchError, after_position, encode_cursor, parse_search


@extend_schema(exclude=True)
class FHIRView(APIView):
    renderer_classes = RENDERERS

    def get_exception_handler(self) -> Any:
        return fhir_exception_handler

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response):
            # Whether the client asked for application/json or fhir+json, it is FHIR.
            response.content_type = CONTENT_TYPE
        return response

    def base_url(self) -> str:
        metadata = self.request.build_absolute_uri(reverse("fhir-metadata"))
        return metadata.removesuffix("/metadata")


class CapabilityStatementView(FHIRView):
    # Clients read it before they authenticate; it says nothing about any booking.
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        return Response(capability_statement(self.base_url()))


class AppointmentReadView(FHIRView):
    def get(self, request: Request, reference: str) -> Response:
        reference = normalise_booking_reference(reference)
        booking = None
        if is_well_formed_booking_reference(reference):
            booking = appointments_for_fhir(request.user).filter(reference=reference).first()
        if booking is None:
            raise NotFound(f"No Appointment {reference!r} among your trusts' bookings.")
        return Response(appointment_resource(booking))


def _strict(request: Request) -> bool:
    preferences = request.headers.get("Prefer", "").replace(" ", "").split(";")
    return "handling=strict" in [p for item in preferences for p in item.split(",")]


class AppointmentSearchView(FHIRView):
    def get(self, request: Request) -> Response:
        try:
            search = parse_search(request.query_params, strict=_strict(request))
        except SearchError as error:
            raise invalid_parameter(error.parameter, error.message) from error
        bookings = appointments_for_fhir(request.user).filter(search.condition)
        if search.after is not None:
            bookings = bookings.filter(after_position(*search.after))
        rows = list(bookings.order_by("starts_at", "pk")[: search.count + 1])
        page, more = rows[: search.count], len(rows) > search.count

        endpoint = f"{self.base_url()}/Appointment"
        links = [{"relation": "self", "url": _url(endpoint, search.query_string())}]
        if more:
            cursor = encode_cursor(page[-1].starts_at, page[-1].pk)
            links.append(
                {"relation": "next", "url": _url(endpoint, search.query_string(cursor=cursor))}
            )
        entries = [
            {
                "fullUrl": f"{endpoint}/{booking.reference}",
                "resource": appointment_resource(booking),
                "search": {"mode": "match"},
            }
            for booking in page
        ]
        if search.ignored:
            # FHIR's way of saying which parameters were not applied.
            ignored = ", ".join(sorted(search.ignored))
            entries.append(
                {
                    "resource": operation_outcome(
                        [
                            issue(
                                f"Ignored parameters this server does not support: {ignored}.",
                                code="not-supported",
                                severity="warning",
                            )
                        ]
                    ),
                    "search": {"mode": "outcome"},
                }
            )
        bundle = {
            "resourceType": "Bundle",
            "type": "searchset",
            "timestamp": timezone.now().isoformat(),
            "link": links,
        }
        if entries:  # FHIR's JSON never has an empty array
            bundle["entry"] = entries
        return Response(bundle)


def _url(endpoint: str, query: str) -> str:
    return f"{endpoint}?{query}" if query else endpoint


class NotSupportedView(FHIRView):
    """Everything else under ``/fhir/r4/``: FHIR's 404 for a type or interaction we lack."""

    def get(self, request: Request, path: str) -> Response:
        raise NotSupported(f"{path!r} is not supported here; see {self.base_url()}/metadata.")

    post = put = patch = delete = get
