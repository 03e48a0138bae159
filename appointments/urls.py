"""Staff pages for patient notices (letters to print, the phone call list).

Strikes by their public id and trusts by ODS code: never a database id in a URL.
"""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "strikes/<uuid:strike_id>/trusts/<str:ods_code>/letters/",
        views.letters,
        name="notices_letters",
    ),
    path(
        "strikes/<uuid:strike_id>/trusts/<str:ods_code>/calls/",
        views.calls,
        name="notices_calls",
    ),
]
