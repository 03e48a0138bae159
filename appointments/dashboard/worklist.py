# PLACEHOLDER: replaced by the page's real views before commit.
from django.http import Http404
from django.urls import path


def _not_built(request, *args, **kwargs):
    raise Http404


urlpatterns = [
    path("strikes/<uuid:strike_id>/worklist/", _not_built, name="dashboard_worklist"),
]
