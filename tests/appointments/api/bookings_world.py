"""Two trusts' bookings and the people who use them, for the bookings and notices API tests.

Trust A has two sites, trust B one; A has an operations user and a viewer, B an
operations user; a national user sees both.
"""

import datetime as dt

from tests.factories import (
    AppointmentFactory,
    MembershipFactory,
    ServiceFactory,
    SiteFactory,
    TrustFactory,
    UserFactory,
)
from trusts.models import Membership

# Fixed times in March 2031 (GMT), so ties and ranges are exact.
NINE = dt.datetime(2031, 3, 3, 9, 0, tzinfo=dt.UTC)


class World:
    def __init__(self) -> None:
        self.trust = TrustFactory()
        self.other_trust = TrustFactory()
        self.site = SiteFactory(trust=self.trust)
        self.second_site = SiteFactory(trust=self.trust)
        self.other_site = SiteFactory(trust=self.other_trust)
        self.clinic = ServiceFactory(code="clinic")
        self.physio = ServiceFactory(code="physio")
        self.ops = MembershipFactory(trust=self.trust, role=Membership.Role.OPERATIONS).user
        self.viewer = MembershipFactory(trust=self.trust, role=Membership.Role.VIEWER).user
        self.other_ops = MembershipFactory(
            trust=self.other_trust, role=Membership.Role.OPERATIONS
        ).user
        self.national = UserFactory(is_superuser=True, is_staff=True)

    def book(self, *, site=None, at: dt.datetime = NINE, **fields):
        site = site or self.site
        fields.setdefault("service", self.clinic)
        return AppointmentFactory(site=site, trust=site.trust, starts_at=at, **fields)

    def book_elsewhere(self, **fields):
        return self.book(site=self.other_site, **fields)
