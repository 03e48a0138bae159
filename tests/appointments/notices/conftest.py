"""Fixtures for the notice tests: the strike scenario of tests/strikes/desk.py, an outbox
folder of the test's own, and helpers to move a booking through decisions."""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from appointments.notices.backends import configured_backend
from tests.factories import UserFactory
from tests.strikes.desk import STARTS_AT, Desk

# The strike's notice window (notice_lead_days = 3) opens three days before the start.
WINDOW_OPENS = STARTS_AT - dt.timedelta(days=3)
IN_WINDOW = STARTS_AT - dt.timedelta(days=2)
BEFORE_WINDOW = STARTS_AT - dt.timedelta(days=5)


@pytest.fixture
def desk(db) -> Desk:
    return Desk()


@pytest.fixture
def national(db):
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def outbox(settings, tmp_path: Path) -> Iterator[Path]:
    """Messages the outbox backend writes go here, not to var/outbox."""
    folder = tmp_path / "outbox"
    settings.STRIKEDESK_OUTBOX_DIR = folder
    settings.STRIKEDESK_NOTICE_BACKEND = "outbox"
    configured_backend.cache_clear()
    yield folder
    configured_backend.cache_clear()
