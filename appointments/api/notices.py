"""REST API for the notices owed to patients (``/api/v1/notices/``), read only.

A notice row carries no personal data; the booking reference says whose it is, for a
token that may see that booking.
"""

from django.db.models import QuerySet
from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics

from appointments.models import Notice
from appointments.selectors import notices_for

from .filters import NoticeFilter
from .serializers import NoticeSerializer


@extend_schema_view(
    get=extend_schema(
        summary="Notices owed to your trusts' patients",
        description="Oldest first, paged by cursor (follow `next`). Filters combine with AND.",
    )
)
class NoticeList(generics.ListAPIView):
    serializer_class = NoticeSerializer
    filterset_class = NoticeFilter
    keyset_ordering = ("id",)

    def get_queryset(self) -> QuerySet[Notice]:
        return notices_for(self.request.user)


urlpatterns = [
    path("notices/", NoticeList.as_view(), name="api-notices"),
]
