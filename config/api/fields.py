"""Serializer fields shared by the apps' APIs."""

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

from trusts.models import Trust

from .permissions import UNKNOWN_TRUST, trusts_for


class TrustCodeField(serializers.SlugRelatedField):
    """A trust named by ODS code, looked up among the requesting user's trusts only.

    A trust elsewhere gets the same message as one that does not exist, so the API never
    confirms another trust's records to a token that cannot see them.
    """

    default_error_messages = {
        "does_not_exist": UNKNOWN_TRUST,
        "invalid": "An ODS trust code, e.g. RM1.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "The trust's ODS code, e.g. RM1.")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", Trust.objects.none())
        super().__init__(slug_field="ods_code", **kwargs)

    def get_queryset(self) -> QuerySet[Trust]:
        return trusts_for(self.context["request"].user)
