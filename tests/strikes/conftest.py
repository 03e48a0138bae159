"""Fixtures for the strike tests; the scenario they build is in desk.py."""

import pytest

from tests.factories import UserFactory

from .desk import Desk


@pytest.fixture
def desk(db) -> Desk:
    return Desk()


@pytest.fixture
def national(db):
    return UserFactory(is_superuser=True, is_staff=True)
