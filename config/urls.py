from django.contrib import admin
from django.urls import include, path

from strikes.views import home

from .views import healthz

admin.site.site_header = "StrikeDesk administration"
admin.site.site_title = "StrikeDesk"
admin.site.index_title = "Trusts, strikes and bookings"

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # The staff dashboard: sign-in, strikes, worklists, notices, backlog, reports.
    path("staff/", include("trusts.urls")),
    path("staff/", include("strikes.dashboard.urls")),
    path("staff/", include("appointments.dashboard.urls")),
    path("staff/", include("appointments.urls")),
    path("", include("appointments.status_check.urls")),
    path("", include("appointments.webhooks")),
    path("", include("config.api.urls")),
]
