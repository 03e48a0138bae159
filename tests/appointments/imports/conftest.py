import pytest

from tests.api import client_for
from tests.factories import MembershipFactory, ServiceFactory, SiteFactory, TrustFactory
from trusts.models import Membership

from .helpers import Place


@pytest.fixture
def place(db) -> Place:
    trust = TrustFactory()
    return Place(trust=trust, site=SiteFactory(trust=trust), service=ServiceFactory())


@pytest.fixture
def elsewhere(db) -> Place:
    """Another trust, where the importer has no role."""
    trust = TrustFactory()
    return Place(trust=trust, site=SiteFactory(trust=trust), service=ServiceFactory())


@pytest.fixture
def operator(place):
    return MembershipFactory(trust=place.trust, role=Membership.Role.OPERATIONS).user


@pytest.fixture
def client(operator):
    return client_for(operator)
