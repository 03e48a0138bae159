"""Fixtures for the strike API tests: the Desk scenario (tests/strikes/desk.py) and the
people who call the API about it, each with a client carrying their token."""

import pytest

from tests.factories import MembershipFactory
from trusts.models import Membership


@pytest.fixture
def viewer(desk):
    """Sees trust A's records, may not act on them."""
    return MembershipFactory(trust=desk.trust, role=Membership.Role.VIEWER).user


@pytest.fixture
def other_ops(desk):
    """Operations staff at trust B only."""
    return MembershipFactory(trust=desk.other_trust, role=Membership.Role.OPERATIONS).user
