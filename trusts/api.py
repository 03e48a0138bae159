"""REST API for trusts, their sites, and the service catalogue (``/api/v1/``).

Trusts and sites are narrowed to the user's trusts like everything else; the service
catalogue is shared by every trust and readable by anyone signed in.
"""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import path
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.fields import TrustCodeField
from config.api.permissions import NationalWritesOnly, trusts_for

from .models import Service, Site, StaffGroup, Trust
from .services import (
    service_create,
    site_create,
    trust_create,
    trust_update,
)


class TrustSerializer(serializers.ModelSerializer):
    class Meta:
        model = Trust
        fields = ["ods_code", "name", "kind", "region", "contact_line"]
        extra_kwargs = {
            "ods_code": {"help_text": "The trust's 3-character ODS code, e.g. RM1."},
            "name": {"help_text": "e.g. Norfolk and Norwich University Hospitals."},
            "kind": {"help_text": "acute, mental_health, community or ambulance."},
            "region": {"help_text": "NHS England region, e.g. East of England."},
            "contact_line": {
                "help_text": "Told to patients who need to speak to someone, e.g. a phone line."
            },
        }


class TrustChangeSerializer(TrustSerializer):
    class Meta(TrustSerializer.Meta):
        read_only_fields = ["ods_code"]


class SiteSerializer(serializers.ModelSerializer):
    trust = TrustCodeField(help_text="The ODS code of the trust the site belongs to.")

    class Meta:
        model = Site
        fields = ["code", "name", "trust", "town"]
        extra_kwargs = {
            "code": {"help_text": "The site's 5-character ODS code, e.g. RM102."},
            "name": {"help_text": "e.g. Norfolk and Norwich University Hospital."},
            "town": {"help_text": "e.g. Norwich."},
        }


class ServiceSerializer(serializers.ModelSerializer):
    staff_groups = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        required=False,
        queryset=StaffGroup.objects.all(),
        help_text="Codes of the staff groups who deliver it (nurses, resident_doctors, "
        "consultants, physiotherapists, midwives, ambulance_staff, other). Empty means all.",
    )

    class Meta:
        model = Service
        fields = ["code", "name", "staff_groups", "emergency", "treatment_function_code"]
        extra_kwargs = {
            "code": {"help_text": "A short slug, e.g. chemotherapy."},
            "name": {"help_text": "e.g. Chemotherapy."},
            "emergency": {"help_text": "Emergency care: kept going in every strike."},
            "treatment_function_code": {
                "help_text": "NHS treatment function code, 3 digits (optional), e.g. 110."
            },
        }


class TrustFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Trust.Kind.choices, help_text="Only trusts of this kind.")
    region = filters.CharFilter(help_text="Only trusts in this region (exact name).")

    class Meta:
        model = Trust
        fields = ["kind", "region"]


class SiteFilter(filters.FilterSet):
    trust = filters.CharFilter(
        field_name="trust__ods_code", help_text="Only this trust's sites (ODS code)."
    )

    class Meta:
        model = Site
        fields = ["trust"]


@extend_schema_view(
    get=extend_schema(summary="Trusts you belong to (national users: every trust)"),
    post=extend_schema(summary="Add a trust (national administrators)"),
)
class TrustList(generics.ListCreateAPIView):
    permission_classes = [IsAuthenticated, NationalWritesOnly]
    serializer_class = TrustSerializer
    filterset_class = TrustFilter
    keyset_ordering = ("ods_code",)

    def get_queryset(self) -> QuerySet[Trust]:
        return trusts_for(self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = self.get_serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        trust = trust_create(actor=request.user, **incoming.validated_data)
        return Response(TrustSerializer(trust).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary="One trust"),
    patch=extend_schema(summary="Change a trust's details (its trust admins)"),
)
class TrustDetail(generics.RetrieveUpdateAPIView):
    serializer_class = TrustChangeSerializer
    lookup_field = "ods_code"
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Trust]:
        return trusts_for(self.request.user)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        trust = self.get_object()
        incoming = self.get_serializer(trust, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        trust = trust_update(trust=trust, actor=request.user, changes=incoming.validated_data)
        return Response(TrustChangeSerializer(trust).data)


@extend_schema_view(
    get=extend_schema(summary="Sites of your trusts"),
    post=extend_schema(summary="Add a site to a trust (its trust admins)"),
)
class SiteList(generics.ListCreateAPIView):
    serializer_class = SiteSerializer
    filterset_class = SiteFilter
    keyset_ordering = ("code",)

    def get_queryset(self) -> QuerySet[Site]:
        return Site.objects.filter(trust__in=trusts_for(self.request.user)).select_related("trust")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = self.get_serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        site = site_create(actor=request.user, **incoming.validated_data)
        return Response(SiteSerializer(site).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary="The service catalogue, shared by every trust"),
    post=extend_schema(summary="Add a service to the catalogue (national administrators)"),
)
class ServiceList(generics.ListCreateAPIView):
    permission_classes = [IsAuthenticated, NationalWritesOnly]
    serializer_class = ServiceSerializer
    keyset_ordering = ("code",)
    queryset = Service.objects.prefetch_related(
        Prefetch("staff_groups", queryset=StaffGroup.objects.order_by("code"))
    )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = self.get_serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        service = service_create(actor=request.user, **incoming.validated_data)
        return Response(ServiceSerializer(service).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("trusts/", TrustList.as_view(), name="api-trusts"),
    path("trusts/<str:ods_code>/", TrustDetail.as_view(), name="api-trust"),
    path("sites/", SiteList.as_view(), name="api-sites"),
    path("services/", ServiceList.as_view(), name="api-services"),
]
