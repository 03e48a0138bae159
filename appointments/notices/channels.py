"""Which way each patient is told: their preferred channel if it can reach them, then
text message, email, letter, and a phone call from staff when nothing else can.

Written as a SQL expression, so generation picks every patient's channel in the same
statement that creates the notices, and as a plain function for one patient.
"""

import re

from django.db.models import Case, Expression, F, Q, Value, When
from django.db.models.functions import Replace

from appointments.models import Channel, Patient

# After removing spaces: a UK mobile, in national or international form.
UK_MOBILE = r"^(\+447|07)[0-9]{9}$"
FALLBACK_ORDER = (Channel.SMS, Channel.EMAIL, Channel.LETTER)
# The name the caller gives the annotation ``mobile_digits()`` returns.
MOBILE_DIGITS = "patient_mobile_digits"


def mobile_digits(patient: str) -> Expression:
    """The patient's phone without spaces; annotate the rows with it as ``MOBILE_DIGITS``
    before using ``channel_for`` (a lookup cannot reach through a relation into a function)."""
    return Replace(F(f"{patient}phone"), Value(" "), Value(""))


def _reaches(channel: str, patient: str) -> Q:
    if channel == Channel.SMS:
        return Q(**{f"{MOBILE_DIGITS}__regex": UK_MOBILE})
    if channel == Channel.EMAIL:
        return ~Q(**{f"{patient}email": ""})
    if channel == Channel.LETTER:
        # A first address line with something in it, and a postcode: Notify needs three
        # lines (name, address, postcode) and a blank line would not deliver.
        return (
            ~Q(**{f"{patient}postcode": ""})
            & Q(**{f"{patient}address__0__isnull": False})
            & ~Q(**{f"{patient}address__0": ""})
        )
    return ~Q(**{f"{patient}phone": ""})


def channel_for(patient: str) -> Case:
    """The channel for each row's patient, reached through ``patient`` (e.g.
    ``"appointment__patient__"``)."""
    return Case(
        *[
            When(
                Q(**{f"{patient}preferred_channel": channel}) & _reaches(channel, patient),
                then=Value(channel),
            )
            for channel in Channel.values
        ],
        *[When(_reaches(channel, patient), then=Value(channel)) for channel in FALLBACK_ORDER],
        default=Value(Channel.PHONE),
        output_field=Patient._meta.get_field("preferred_channel"),
    )


def channel_for_patient(patient: Patient) -> str:
    """The same choice for one patient, in Python."""
    reachable: dict[str, bool] = {
        Channel.SMS: bool(re.match(UK_MOBILE, patient.phone.replace(" ", ""))),
        Channel.EMAIL: bool(patient.email),
        Channel.LETTER: bool(patient.postcode and patient.address and patient.address[0]),
        Channel.PHONE: bool(patient.phone),
    }
    if reachable.get(patient.preferred_channel):
        return patient.preferred_channel
    return next((channel for channel in FALLBACK_ORDER if reachable[channel]), Channel.PHONE)
