"""FHIR R4 routes under ``/fhir/r4/``. No trailing slashes, as FHIR clients send them;
one is tolerated. Anything else gets an OperationOutcome rather than an HTML 404."""

from django.urls import re_path

from .views import (
    AppointmentReadView,
    AppointmentSearchView,
    CapabilityStatementView,
    NotSupportedView,
)

urlpatterns = [
    re_path(r"^metadata/?$", CapabilityStatementView.as_view(), name="fhir-metadata"),
    re_path(r"^Appointment/?$", AppointmentSearchView.as_view(), name="fhir-appointment-search"),
    re_path(
        r"^Appointment/(?P<reference>[^/]+)/?$",
        AppointmentReadView.as_view(),
        name="fhir-appointment-read",
    ),
    re_path(r"^(?P<path>.*)$", NotSupportedView.as_view(), name="fhir-not-supported"),
]
