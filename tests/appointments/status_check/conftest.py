"""A strike a week ahead (tests/strikes/desk.py) and bookings in each state a patient may
find: the status page's answers are checked against what the real services leave behind."""

import datetime as dt

import pytest

from appointments.models import Appointment
from tests.strikes.desk import LATE_SLOT, Desk

DATE_OF_BIRTH = dt.date(1961, 3, 12)


@pytest.fixture
def desk(db) -> Desk:
    return Desk()


def book(desk: Desk, **fields) -> Appointment:
    """A booking inside the desk's strike, for a patient born on ``DATE_OF_BIRTH``."""
    fields.setdefault("patient__date_of_birth", DATE_OF_BIRTH)
    fields.setdefault("at", LATE_SLOT)
    return desk.book(**fields)
