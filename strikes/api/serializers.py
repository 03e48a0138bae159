"""The shapes of strikes, participation and staff out in the REST API.

Serializers here check shape only (types, ranges, known codes); the rules about the
records themselves (a window that ends after it starts, a day of the strike, who may
write) live in strikes/services/records.py, so the admin and the dashboard share them.
"""

from typing import Any

from django.db.models import Model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import AwareDateTimeField
from trusts.models import Service, StaffGroup, Trust

from ..models import StrikeStatus, Union

REASSESS = (
    " Changing it does not re-assess bookings already assessed: re-assess the strike "
    "(POST /api/v1/strikes/{id}/assess/) after the change."
)


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class CodeListField(serializers.Field):
    """A list of codes of ``model`` rows, read in one query, duplicates dropped.

    Written as codes and read back as codes; an unknown code is an error on this field
    that lists what is known.
    """

    default_error_messages = {
        "not_a_list": 'A list of codes, e.g. ["{example}"].',
        "empty": "At least one code.",
        "unknown": "Unknown {what}: {unknown}. Known: {known}.",
    }

    def __init__(
        self, *, model: type[Model], what: str, example: str, allow_empty: bool = True, **kwargs
    ) -> None:
        self.model = model
        self.what = what
        self.example = example
        self.allow_empty = allow_empty
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> list[Model]:
        if not isinstance(data, list) or not all(isinstance(code, str) for code in data):
            self.fail("not_a_list", example=self.example)
        codes = list(dict.fromkeys(data))
        if not codes and not self.allow_empty:
            self.fail("empty")
        found = self.model._default_manager.in_bulk(codes, field_name="code")
        unknown = [code for code in codes if code not in found]
        if unknown:
            known = self.model._default_manager.order_by("code").values_list("code", flat=True)
            self.fail(
                "unknown",
                what=self.what,
                unknown=", ".join(repr(code) for code in unknown),
                known=", ".join(known),
            )
        return [found[code] for code in codes]

    def to_representation(self, value: Any) -> list[str]:
        # .all() is served by the view's prefetch, so a list costs no query per strike.
        return sorted(row.code for row in value.all())


@extend_schema_field(OpenApiTypes.STR)
class TrustCodeField(serializers.CharField):
    """A trust by its ODS code. Read as the code; the view resolves it within the
    user's trusts, so an unseen trust is reported the same as an unknown one."""

    def to_representation(self, value: Trust) -> str:
        return value.ods_code


class StrikeSerializer(serializers.Serializer):
    id = serializers.UUIDField(
        source="public_id", read_only=True, help_text="The strike's id in this API's URLs."
    )
    title = serializers.CharField(
        max_length=200, help_text="e.g. RCN nurses' strike, 8-9 July (England)."
    )
    unions = CodeListField(
        model=Union,
        what="union",
        example="RCN",
        allow_empty=False,
        help_text="Codes of the unions that called it: RCN, BMA, CSP, UNISON, GMB, Unite, "
        "RCM, HCSA. At least one; repeats are dropped.",
    )
    staff_groups = CodeListField(
        model=StaffGroup,
        what="staff group",
        example="nurses",
        allow_empty=False,
        help_text="Codes of the staff groups called out: nurses, resident_doctors, "
        "consultants, physiotherapists, midwives, ambulance_staff, other. At least one; "
        "repeats are dropped." + REASSESS,
    )
    starts_at = AwareDateTimeField(
        help_text="When the walkout starts, ISO 8601 with a UTC offset "
        "(e.g. 2026-07-08T07:00:00+01:00); shown in Europe/London." + REASSESS
    )
    ends_at = AwareDateTimeField(
        help_text="When it ends, after starts_at; a booking at exactly this time is after "
        "the walkout. ISO 8601 with a UTC offset." + REASSESS
    )
    status = serializers.ChoiceField(
        choices=StrikeStatus.choices,
        required=False,
        help_text="announced, confirmed, suspended, called_off or completed. A new strike is "
        "announced. Changing it moves the strike through its life: suspended to announced "
        "or confirmed resumes it, called_off reinstates the bookings it postponed, "
        "completed only once it has ended; a move its status does not allow is a 409.",
    )
    emergency_care_only = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Only emergency services (flagged in the catalogue) are exempt; "
        "exempt_services is then ignored." + REASSESS,
    )
    protect_urgent = serializers.BooleanField(
        required=False,
        default=True,
        help_text="Urgent and cancer bookings are exempt unless this is false." + REASSESS,
    )
    exempt_services = CodeListField(
        model=Service,
        what="service",
        example="maternity",
        required=False,
        default=list,
        help_text="Codes of the services agreed as exempt (derogations); repeats are "
        "dropped." + REASSESS,
    )
    notice_lead_days = serializers.IntegerField(
        min_value=0,
        max_value=60,
        required=False,
        default=3,
        help_text="Notices to patients go out from this many days (0 to 60) before the "
        "walkout starts; every one is due by the start.",
    )
    send_going_ahead_notices = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also tell patients whose at-risk booking was decided to go ahead to "
        "attend as normal. Patients told of a postponement that was reversed are always "
        "told.",
    )


class StrikeCreateSerializer(StrikeSerializer):
    def validate_status(self, status: str) -> str:
        if status != StrikeStatus.ANNOUNCED:
            raise serializers.ValidationError(
                "A new strike is announced; confirm it (or move it on) with a PATCH after."
            )
        return status


class ParticipationSerializer(serializers.Serializer):
    trust = TrustCodeField(
        max_length=3, help_text="The trust's ODS code, e.g. RM1: one of your trusts."
    )
    participating = serializers.BooleanField(
        help_text="Whether the trust's staff take part, as its ballot decided. A change does "
        "not re-assess bookings: re-assess the strike (POST /api/v1/strikes/{id}/assess/)."
    )
    ballot_turnout = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
        default=None,
        help_text="Percent of members who voted, 0 to 100 with up to 2 decimals; null if "
        "not known. Omitted in a POST, it is cleared.",
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Anything worth knowing, e.g. where the ballot result was published. "
        "Omitted in a POST, it is cleared.",
    )


class StaffAbsenceSerializer(serializers.Serializer):
    trust = TrustCodeField(
        max_length=3, help_text="The trust's ODS code, e.g. RM1: one of your trusts."
    )
    date = serializers.DateField(
        help_text="A day of the strike (in Europe/London), e.g. 2026-07-08."
    )
    # A staff group's code is its primary key: read back without loading the row.
    staff_group = serializers.PrimaryKeyRelatedField(
        queryset=StaffGroup.objects.all(),
        pk_field=serializers.CharField(max_length=32),
        error_messages={"does_not_exist": "No staff group has the code {pk_value!r}."},
        help_text="The code of a staff group the strike calls out, e.g. nurses.",
    )
    count = serializers.IntegerField(
        min_value=0, max_value=2_147_483_647, help_text="How many were out that day."
    )
