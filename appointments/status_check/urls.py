"""Public pages for patients: no sign-in. Mounted at the site root by config/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("check/", views.check, name="status_check"),
    path("check/answer/", views.answer, name="status_check_answer"),
    path("check/answer/calendar.ics", views.answer_calendar, name="status_check_calendar"),
    path("strike-action/", views.strike_action, name="strike_action"),
    path(
        "strike-action/<uuid:public_id>/", views.strike_action_detail, name="strike_action_detail"
    ),
]
