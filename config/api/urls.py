"""Every API route: ``/api/v1/`` (each app's endpoints), the schema and docs, and FHIR."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

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
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("fhir/r4/", include("appointments.fhir.urls")),
]
