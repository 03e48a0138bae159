"""Patients with the contact details a channel test needs."""

from tests.factories import PatientFactory

MOBILE = "07700 900123"  # Ofcom's drama range: never a real phone
LANDLINE = "01603 286286"
ADDRESS = ["1 Colney Lane", "Norwich"]


def patient(
    *, preferred: str = "sms", phone: str = "", email: str = "", address=None, postcode="NR4 7UY"
):
    return PatientFactory(
        preferred_channel=preferred,
        phone=phone,
        email=email,
        address=list(address or []),
        postcode=postcode,
    )


def reachable_by_everything(preferred: str = "sms"):
    return patient(preferred=preferred, phone=MOBILE, email="sam@example.com", address=ADDRESS)
