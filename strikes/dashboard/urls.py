"""The staff dashboard's strike pages: /staff/, one strike's overview, staff out, reports."""

from . import overview, reports, staff_out

urlpatterns = overview.urlpatterns + staff_out.urlpatterns + reports.urlpatterns
