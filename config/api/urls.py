"""Every API route: ``/api/v1/`` (each app's endpoints), the schema and docs, and FHIR."""

from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

# drf-spectacular's Swagger page has one small inline <style> (box-sizing, background).
# Its hash lets that exact block through and no other inline style; a new drf-spectacular
# that changes the block fails tests/config/test_security_headers.py, not the page.
SWAGGER_UI_STYLE_HASH = "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"

urlpatterns = [
    path(
        "api/v1/",
        include(
            [
                path("", include("trusts.api")),
                path("", include("strikes.api.urls")),
                path("", include("appointments.api.urls")),
            ]
        ),
    ),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script from its own URL
    # (/api/docs/?script=), so the page runs under a CSP without inline scripts.
    path(
        "api/docs/",
        csp_update({"style-src": [SWAGGER_UI_STYLE_HASH]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("fhir/r4/", include("appointments.fhir.urls")),
]
