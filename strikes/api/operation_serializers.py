"""Shapes of the operations on a strike: what each request may carry, what each answers
(the reports' shapes are in ``report_serializers``).

Plain serializers: they check types and choices and name the field at fault; the views
hand the cleaned values to the services. Nothing here reads or writes the database.
"""

import datetime as dt

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from appointments.models import Channel, Kind, NoticeKind, NoticeStatus, Outcome, Priority
from appointments.references import (
    is_well_formed_booking_reference,
    normalise_booking_reference,
)

# One request decides at most this many references: enough for a trust's whole strike
# list, small enough that the statement and its refusal message stay reasonable.
MAX_REFERENCES = 10_000
DECISION_OUTCOMES = [
    (Outcome.POSTPONED, Outcome.POSTPONED.label),
    (Outcome.GOING_AHEAD, Outcome.GOING_AHEAD.label),
]


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only: DRF's BooleanField also takes 0, 1, "yes" and "off",
    which the schema does not promise and a typo should not turn into a real run."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


# --- assess -------------------------------------------------------------------------


class AssessRequestSerializer(serializers.Serializer):
    dry_run = StrictBooleanField(
        default=False,
        help_text="Only count what an assessment would give; write nothing. Open to viewers.",
    )


class AssessCountsSerializer(serializers.Serializer):
    in_strike = serializers.IntegerField(help_text="Bookings the strike touches, any outcome.")
    exempt = serializers.IntegerField(help_text="Exempt: they go ahead whatever happens.")
    at_risk = serializers.IntegerField(help_text="At risk and not yet decided.")
    going_ahead = serializers.IntegerField(help_text="Decided to go ahead.")
    postponed = serializers.IntegerField(help_text="Decided to be postponed.")


class AssessTrustSerializer(AssessCountsSerializer):
    trust = serializers.CharField(help_text="The trust's ODS code.")


class AssessResponseSerializer(AssessCountsSerializer):
    dry_run = serializers.BooleanField(help_text="True when nothing was written.")
    by_trust = AssessTrustSerializer(
        many=True, help_text="The same counts per trust you may see, by ODS code."
    )


# --- decisions ----------------------------------------------------------------------


class BookingReferenceField(serializers.CharField):
    """A booking reference as people type it (any case, with or without hyphens), checked
    against its format and check character and returned in its stored form."""

    default_error_messages = {
        "malformed": "Not a booking reference: 12 letters and digits, e.g. 4F7Q-9K2M-X3TB."
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        reference = normalise_booking_reference(super().to_internal_value(data))
        if not is_well_formed_booking_reference(reference):
            self.fail("malformed")
        return reference


class DecisionWhereSerializer(serializers.Serializer):
    trust = serializers.CharField(
        required=False, max_length=10, help_text="ODS code of a trust where you act."
    )
    site = serializers.CharField(required=False, max_length=10, help_text="Site code.")
    service = serializers.CharField(required=False, max_length=50, help_text="Service code.")
    kind = serializers.ChoiceField(
        choices=Kind.choices, required=False, help_text="Outpatient, inpatient or day case."
    )
    date = serializers.DateField(
        required=False,
        help_text="Local (Europe/London) day of the booking's slot in the strike.",
    )
    priority = serializers.ChoiceField(
        choices=Priority.choices, required=False, help_text="The booking's clinical priority."
    )
    current_outcome = serializers.ChoiceField(
        choices=Outcome.choices,
        required=False,
        help_text="Without it only at-risk bookings are decided; name the current outcome "
        "to change decisions already made (e.g. postponed ones that now go ahead).",
    )

    def validate_date(self, value: dt.date) -> dt.date:
        # The day is taken up to the next midnight, which the last date there is lacks.
        if value == dt.date.max:
            raise serializers.ValidationError("Not a day a booking can be on.")
        return value

    def validate(self, attrs: dict) -> dict:
        if not attrs:
            raise serializers.ValidationError("Give at least one condition.")
        return attrs


REFERENCES_HELP = (
    f"Booking references, at most {MAX_REFERENCES:,}. All or nothing: if one may not be "
    "decided, nothing is, and the error says why."
)
WHERE_HELP = "A filter instead of references: decides what it may, counts what it skipped."


def references_field(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=BookingReferenceField(),
        allow_empty=False,
        min_length=1,
        max_length=MAX_REFERENCES,
        help_text=REFERENCES_HELP,
        **kwargs,
    )


class DecisionOutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=DECISION_OUTCOMES, help_text="What happens to the selected bookings."
    )


class DecisionRequestSerializer(DecisionOutcomeSerializer):
    """Checks a decision's body: references or a filter, exactly one of them."""

    references = references_field(required=False)
    where = DecisionWhereSerializer(required=False, help_text=WHERE_HELP)

    def validate(self, attrs: dict) -> dict:
        if ("references" in attrs) == ("where" in attrs):
            raise serializers.ValidationError("Give either references or where, not both.")
        return attrs


# The two forms a decision takes, for the schema's oneOf; requests are checked by
# DecisionRequestSerializer, which can say what is wrong with a body of neither form.
class DecisionByReferencesSerializer(DecisionOutcomeSerializer):
    """A decision on the bookings named by their references."""

    references = references_field()


class DecisionByFilterSerializer(DecisionOutcomeSerializer):
    """A decision on the bookings a filter selects."""

    where = DecisionWhereSerializer(help_text=WHERE_HELP)


class DecisionResponseSerializer(serializers.Serializer):
    changed = serializers.IntegerField(help_text="Bookings whose outcome this decision set.")
    unchanged = serializers.IntegerField(help_text="Selected bookings that already had it.")
    skipped_exempt = serializers.IntegerField(help_text="A filter's exempt bookings, left alone.")
    skipped_locked = serializers.IntegerField(
        help_text="A filter's bookings left as they were: decided the other way, or past "
        "the point of deciding."
    )
    batch_id = serializers.UUIDField(
        help_text="Carried by every booking event this decision wrote."
    )


# --- impacts ------------------------------------------------------------------------


class ImpactSerializer(serializers.Serializer):
    reference = serializers.CharField(
        source="appointment.reference", help_text="The booking reference."
    )
    outcome = serializers.ChoiceField(
        choices=Outcome.choices, help_text="What the strike means for this booking."
    )
    starts_at = serializers.DateTimeField(
        source="appointment.starts_at", help_text="When the booking is now due."
    )
    slot_starts_at = serializers.DateTimeField(
        help_text="When it was due inside the strike; differs from starts_at once it moved. "
        "The list is ordered by it."
    )
    trust = serializers.CharField(
        source="appointment.trust.ods_code", help_text="The trust's ODS code."
    )
    site = serializers.CharField(source="appointment.site.code", help_text="The site's code.")
    service = serializers.CharField(
        source="appointment.service.code", help_text="The service's code."
    )
    kind = serializers.ChoiceField(
        source="appointment.kind", choices=Kind.choices, help_text="Outpatient, inpatient..."
    )
    priority = serializers.ChoiceField(
        source="appointment.priority", choices=Priority.choices, help_text="Clinical priority."
    )
    decided_at = serializers.DateTimeField(
        allow_null=True, help_text="When it was last decided; null while undecided."
    )


# --- call-off -----------------------------------------------------------------------


class CallOffPreviewSerializer(serializers.Serializer):
    would_reinstate = serializers.IntegerField(
        help_text="Postponed bookings still ahead that calling the strike off now would put back."
    )


class CallOffResponseSerializer(serializers.Serializer):
    reinstated = serializers.IntegerField(
        help_text="Bookings put back; their patients are told they go ahead after all."
    )
    still_postponed = serializers.IntegerField(
        help_text="Postponed bookings whose time had passed: they still need a new date."
    )


# --- notices ------------------------------------------------------------------------


class NoticesGenerateRequestSerializer(serializers.Serializer):
    early = StrictBooleanField(
        default=False,
        help_text="Create the postponement (and going-ahead) notices before the strike's "
        "notice window opens (notice_lead_days before the start). Only before an announced "
        "or confirmed strike starts.",
    )


class NoticesGenerateResponseSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Notices created, all kinds.")
    by_kind = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=f"Created per kind ({', '.join(NoticeKind.values)}).",
    )
    withdrawn = serializers.IntegerField(
        help_text="Unsent notices withdrawn because they are no longer true."
    )


class NoticeProgressRowSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NoticeKind.choices, help_text="What it tells.")
    channel = serializers.ChoiceField(choices=Channel.choices, help_text="How it is sent.")
    status = serializers.ChoiceField(choices=NoticeStatus.choices, help_text="Where it is.")
    count = serializers.IntegerField(help_text="Notices of this kind, channel and status.")
    overdue = serializers.IntegerField(help_text="Of those, unsent past their deadline.")


class NoticeSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Every notice of the strike you may see.")
    overdue = serializers.IntegerField(help_text="Not sent, and past the time due.")
    by_kind = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=f"Per kind, 0 where none ({', '.join(NoticeKind.values)}).",
    )
    by_channel = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=f"Per channel, 0 where none ({', '.join(Channel.values)}).",
    )
    by_status = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=f"Per status, 0 where none ({', '.join(NoticeStatus.values)}).",
    )
    rows = NoticeProgressRowSerializer(
        many=True, help_text="Per kind, channel and status, with the overdue among them."
    )


class DecisionWhereSchema(OpenApiSerializerExtension):
    """A filter needs at least one condition: say so in the schema (minProperties)."""

    target_class = DecisionWhereSerializer

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        return {**schema, "minProperties": 1}
