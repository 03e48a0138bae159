"""Each patient's channel: preferred if it reaches them, then SMS, email, letter, phone."""

import pytest

from appointments.models import Channel, Notice, Outcome
from appointments.notices import notices_generate
from appointments.notices.channels import channel_for_patient

from .conftest import IN_WINDOW
from .people import ADDRESS, LANDLINE, MOBILE, patient

CASES = [
    # preferred, phone, email, address -> channel
    ("sms", MOBILE, "", [], Channel.SMS),
    ("sms", "+44 7700 900123", "", [], Channel.SMS),
    ("sms", LANDLINE, "a@example.com", [], Channel.EMAIL),  # a landline takes no texts
    ("email", MOBILE, "a@example.com", ADDRESS, Channel.EMAIL),
    ("email", MOBILE, "", ADDRESS, Channel.SMS),
    ("letter", MOBILE, "a@example.com", ADDRESS, Channel.LETTER),
    ("letter", MOBILE, "a@example.com", [], Channel.SMS),  # no address: fall back
    ("letter", "", "", ADDRESS, Channel.LETTER),
    ("phone", MOBILE, "", [], Channel.PHONE),
    ("phone", "", "a@example.com", [], Channel.EMAIL),  # no number to call
    ("sms", LANDLINE, "", [], Channel.PHONE),  # nothing usable but a number to call
    ("sms", "", "", [], Channel.PHONE),  # nothing at all: staff find a way
    ("sms", "07700 90012", "", [], Channel.PHONE),  # too short to be a mobile
    ("letter", MOBILE, "", ["", "Norwich"], Channel.SMS),  # no first line: undeliverable
]


@pytest.mark.parametrize(("preferred", "phone", "email", "address", "expected"), CASES)
def test_generation_picks_the_channel(desk, preferred, phone, email, address, expected):
    person = patient(preferred=preferred, phone=phone, email=email, address=address)
    booking = desk.book(patient=person)
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=(booking.reference,))
    notices_generate(now=IN_WINDOW)
    assert Notice.objects.get().channel == expected
    assert channel_for_patient(person) == expected, "the Python form agrees with the SQL"


def test_a_letter_needs_a_postcode(desk):
    person = patient(preferred="letter", address=ADDRESS, postcode="")
    assert channel_for_patient(person) == Channel.PHONE
