"""The database itself refuses trusts, sites, services and memberships that break the rules.

Every write here bypasses ``full_clean()`` (``create``, ``update``, ``bulk_create``), the
way an import, a bulk service or a raw script would, so only the constraints in the
schema stand between the data and the table.
"""

from contextlib import contextmanager

import pytest
from django.db import DataError, IntegrityError, transaction

from tests.factories import MembershipFactory, SiteFactory, TrustFactory, UserFactory
from trusts.models import Membership, Service, Site, Trust

pytestmark = pytest.mark.django_db


@contextmanager
def refused_by_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        yield


def make_trust(**overrides) -> Trust:
    fields = {"ods_code": "RM1", "name": "Norfolk", "kind": "acute", "region": "East"}
    return Trust.objects.create(**{**fields, **overrides})


# --- Trust --------------------------------------------------------------------------------


@pytest.mark.parametrize("ods_code", ["RM1", "RCX", "RY3", "R00"])
def test_trust_ods_code_in_the_nhs_format_is_stored(ods_code):
    make_trust(ods_code=ods_code)

    assert Trust.objects.filter(ods_code=ods_code).exists()


@pytest.mark.parametrize(
    "ods_code",
    ["rm1", "Rm1", "1M1", "RM", "R", "", "R-1", "R 1", "RÉ1"],
)
def test_trust_ods_code_not_in_the_nhs_format_is_refused(ods_code):
    with refused_by_database():
        make_trust(ods_code=ods_code)

    assert not Trust.objects.exists()


def test_trust_ods_code_with_a_trailing_newline_is_refused():
    # A code pasted from a file with its line ending must not slip past the format check.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        make_trust(ods_code="RM1\n")

    assert not Trust.objects.exists()


def test_trust_ods_code_changed_to_a_bad_format_by_update_is_refused():
    trust = TrustFactory(ods_code="RM1")

    with refused_by_database():
        Trust.objects.filter(pk=trust.pk).update(ods_code="r1")

    trust.refresh_from_db()
    assert trust.ods_code == "RM1"


def test_two_trusts_cannot_share_an_ods_code():
    make_trust(ods_code="RM1", name="First")

    with refused_by_database():
        make_trust(ods_code="RM1", name="Second")

    assert list(Trust.objects.values_list("name", flat=True)) == ["First"]


def test_bulk_created_trusts_cannot_share_an_ods_code():
    with refused_by_database():
        Trust.objects.bulk_create(
            [
                Trust(ods_code="RCX", name="One", kind="acute", region="East"),
                Trust(ods_code="RCX", name="Two", kind="acute", region="East"),
            ]
        )

    assert not Trust.objects.exists()


@pytest.mark.parametrize("kind", ["acute", "mental_health", "community", "ambulance"])
def test_every_trust_kind_is_accepted(kind):
    make_trust(kind=kind)

    assert Trust.objects.get().kind == kind


@pytest.mark.parametrize("kind", ["hospital", "", "Acute", "ACUTE"])
def test_unknown_trust_kind_is_refused(kind):
    with refused_by_database():
        make_trust(kind=kind)

    assert not Trust.objects.exists()


def test_trust_kind_changed_to_an_unknown_kind_by_update_is_refused():
    trust = TrustFactory(kind="acute")

    with refused_by_database():
        Trust.objects.filter(pk=trust.pk).update(kind="private")

    trust.refresh_from_db()
    assert trust.kind == "acute"


# --- Site ---------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["RM102", "RHM01", "RCX00", "R0000"])
def test_site_code_in_the_ods_format_is_stored(code):
    trust = TrustFactory()

    Site.objects.create(trust=trust, code=code, name="Main", town="Norwich")

    assert Site.objects.filter(code=code).exists()


@pytest.mark.parametrize("code", ["rm102", "1M102", "RM10", "RM1", "", "RM-02", "RM 02", "Rm102"])
def test_site_code_not_in_the_ods_format_is_refused(code):
    trust = TrustFactory()

    with refused_by_database():
        Site.objects.create(trust=trust, code=code, name="Main", town="Norwich")

    assert not Site.objects.exists()


def test_site_code_with_a_trailing_newline_is_refused():
    trust = TrustFactory()

    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Site.objects.create(trust=trust, code="RM102\n", name="Main", town="Norwich")

    assert not Site.objects.exists()


def test_site_code_changed_to_a_bad_format_by_update_is_refused():
    site = SiteFactory(code="RM102")

    with refused_by_database():
        Site.objects.filter(pk=site.pk).update(code="rm102")

    site.refresh_from_db()
    assert site.code == "RM102"


def test_two_sites_cannot_share_a_code_even_at_different_trusts():
    SiteFactory(code="RM102")
    other_trust = TrustFactory()

    with refused_by_database():
        Site.objects.create(trust=other_trust, code="RM102", name="Copy", town="Ipswich")

    assert Site.objects.filter(code="RM102").count() == 1


# --- Service ------------------------------------------------------------------------------


@pytest.mark.parametrize("tfc", ["", "110", "000", "999"])
def test_service_treatment_function_code_of_three_digits_or_none_is_stored(tfc):
    Service.objects.create(code="trauma", name="Trauma", treatment_function_code=tfc)

    assert Service.objects.get(code="trauma").treatment_function_code == tfc


@pytest.mark.parametrize("tfc", ["11", "1", "ABC", "11a", "1 0", "-10", " 11"])
def test_service_treatment_function_code_not_three_digits_is_refused(tfc):
    with refused_by_database():
        Service.objects.create(code="trauma", name="Trauma", treatment_function_code=tfc)

    assert not Service.objects.exists()


def test_service_treatment_function_code_changed_to_letters_by_update_is_refused():
    service = Service.objects.create(code="trauma", name="Trauma", treatment_function_code="110")

    with refused_by_database():
        Service.objects.filter(pk=service.pk).update(treatment_function_code="T&O")

    service.refresh_from_db()
    assert service.treatment_function_code == "110"


# --- Membership ---------------------------------------------------------------------------


def test_a_user_holds_one_membership_per_trust():
    membership = MembershipFactory(role="viewer")

    with refused_by_database():
        Membership.objects.create(user=membership.user, trust=membership.trust, role="admin")

    assert list(Membership.objects.values_list("role", flat=True)) == ["viewer"]


def test_a_user_may_belong_to_several_trusts():
    user = UserFactory()
    first, second = TrustFactory(), TrustFactory()

    Membership.objects.create(user=user, trust=first, role="viewer")
    Membership.objects.create(user=user, trust=second, role="operations")

    assert set(user.memberships.values_list("trust__ods_code", flat=True)) == {
        first.ods_code,
        second.ods_code,
    }


def test_a_trust_may_have_many_members():
    trust = TrustFactory()

    MembershipFactory.create_batch(3, trust=trust)

    assert trust.memberships.count() == 3


@pytest.mark.parametrize("role", ["viewer", "operations", "admin"])
def test_every_membership_role_is_accepted(role):
    Membership.objects.create(user=UserFactory(), trust=TrustFactory(), role=role)

    assert Membership.objects.get().role == role


@pytest.mark.parametrize("role", ["owner", "", "Admin", "superuser"])
def test_unknown_membership_role_is_refused(role):
    user, trust = UserFactory(), TrustFactory()

    with refused_by_database():
        Membership.objects.create(user=user, trust=trust, role=role)

    assert not Membership.objects.exists()


def test_membership_role_changed_to_an_unknown_role_by_update_is_refused():
    membership = MembershipFactory(role="viewer")

    with refused_by_database():
        Membership.objects.filter(pk=membership.pk).update(role="god")

    membership.refresh_from_db()
    assert membership.role == "viewer"
