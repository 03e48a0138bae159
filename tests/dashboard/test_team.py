"""/staff/team/: trust admins manage who works at their trusts; nobody else can."""

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, TrustFactory, UserFactory
from trusts.models import Membership
from trusts.services import (
    MembershipInvalid,
    MembershipRefused,
    membership_add,
    membership_change_role,
    membership_remove,
)

pytestmark = pytest.mark.django_db

TEAM = reverse("dashboard_team")
ADMIN = Membership.Role.ADMIN
OPERATIONS = Membership.Role.OPERATIONS
VIEWER = Membership.Role.VIEWER


def add_url(trust) -> str:
    return reverse("dashboard_team_add", args=[trust.ods_code])


def role_url(trust, user) -> str:
    return reverse("dashboard_team_role", args=[trust.ods_code, user.username])


def remove_url(trust, user) -> str:
    return reverse("dashboard_team_remove", args=[trust.ods_code, user.username])


def memberships() -> list[tuple[str, str, str]]:
    return sorted(Membership.objects.values_list("trust__ods_code", "user__username", "role"))


@pytest.fixture
def trust():
    return TrustFactory(name="Norfolk and Norwich University Hospitals")


@pytest.fixture
def admin(trust):
    return MembershipFactory(trust=trust, role=ADMIN, user__username="lead").user


@pytest.fixture
def colleague(trust):
    return MembershipFactory(
        trust=trust, role=VIEWER, user__username="sam", user__first_name="Sam"
    ).user


# The page ------------------------------------------------------------------------------


def test_admin_sees_their_trusts_members_and_roles_only(client, trust, admin, colleague):
    elsewhere = TrustFactory(name="Elsewhere Trust")
    MembershipFactory(trust=elsewhere, role=OPERATIONS, user__username="stranger")
    client.force_login(admin)

    html = client.get(TEAM).content.decode()

    assert trust.name in html
    assert "sam" in html
    assert "lead" in html
    assert "(you)" in html
    assert "stranger" not in html
    assert "Elsewhere Trust" not in html
    assert reverse("dashboard_team_add", args=[trust.ods_code]) in html


@pytest.mark.parametrize("role", [VIEWER, OPERATIONS])
def test_non_admins_get_403_and_cannot_act(client, trust, admin, colleague, role):
    user = MembershipFactory(trust=trust, role=role).user
    client.force_login(user)
    before = memberships()

    assert client.get(TEAM).status_code == 403
    assert client.post(add_url(trust), {"username": "sam", "role": ADMIN}).status_code == 403
    assert client.post(role_url(trust, colleague), {"role": ADMIN}).status_code == 403
    assert client.post(remove_url(trust, admin)).status_code == 403
    assert client.get(remove_url(trust, admin)).status_code == 403
    assert memberships() == before


def test_a_user_with_no_membership_gets_403(client, trust, admin):
    client.force_login(UserFactory())
    response = client.get(TEAM)
    assert response.status_code == 403
    assert "You cannot manage this team" in response.content.decode()


def test_the_menu_shows_team_to_admins_only(client, trust, admin, colleague):
    client.force_login(admin)
    assert f'href="{TEAM}"' in client.get(reverse("dashboard_backlog")).content.decode()
    client.force_login(colleague)
    assert f'href="{TEAM}"' not in client.get(reverse("dashboard_backlog")).content.decode()


def test_national_admins_are_pointed_to_the_admin_site(client, trust, admin):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.get(TEAM)
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("admin:trusts_membership_changelist") in html
    assert "lead" not in html  # no trust of their own to list here


def test_another_trusts_code_is_a_404_for_an_admin(client, trust, admin):
    other = TrustFactory()
    target = MembershipFactory(trust=other, role=VIEWER).user
    client.force_login(admin)
    before = memberships()
    assert client.post(add_url(other), {"username": "lead", "role": ADMIN}).status_code == 404
    assert client.post(role_url(other, target), {"role": ADMIN}).status_code == 404
    assert client.post(remove_url(other, target)).status_code == 404
    assert client.post(add_url(type(other)(ods_code="ZZZ")), {}).status_code == 404
    assert memberships() == before


# Adding ------------------------------------------------------------------------------


def test_admin_adds_an_existing_account_with_a_role(client, trust, admin):
    newcomer = UserFactory(username="newcomer")
    client.force_login(admin)

    response = client.post(add_url(trust), {"username": "newcomer", "role": OPERATIONS})

    assert response.status_code == 302
    assert response["Location"] == TEAM
    assert Membership.objects.get(user=newcomer, trust=trust).role == OPERATIONS
    html = client.get(TEAM).content.decode()
    assert f"newcomer is now on the {trust.name} team as operations." in html


def test_unknown_username_says_so_without_revealing_other_trusts(client, trust, admin):
    elsewhere = TrustFactory(name="Elsewhere Trust")
    MembershipFactory(trust=elsewhere, role=ADMIN, user__username="stranger-admin")
    switched_off = UserFactory(username="gone", is_active=False)
    MembershipFactory(trust=elsewhere, user=switched_off)
    client.force_login(admin)
    before = memberships()

    for username in ("nobody", "gone"):
        html = client.post(add_url(trust), {"username": username, "role": VIEWER}).content.decode()
        assert f"There is no StrikeDesk account with the username &#39;{username}&#39;" in html
        assert "Elsewhere" not in html
        assert "There is a problem" in html
        assert f'href="#add-{trust.ods_code}-username"' in html
    # An account that works elsewhere can join this trust too; the message names no trust.
    html = client.post(
        add_url(trust), {"username": "stranger-admin", "role": VIEWER}, follow=True
    ).content.decode()
    assert "Elsewhere" not in html
    assert memberships() == sorted([*before, (trust.ods_code, "stranger-admin", VIEWER)])


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"username": "", "role": VIEWER}, "Enter the username of the person to add"),
        ({"username": "sam"}, "Choose a role"),
        ({"username": "sam", "role": "superuser"}, "Choose viewer, operations or trust admin"),
        ({"username": "sam", "role": VIEWER}, "sam is already a member of"),
    ],
)
def test_bad_additions_are_form_errors(client, trust, admin, colleague, form, message):
    client.force_login(admin)
    before = memberships()
    response = client.post(add_url(trust), form)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "<title>Error: Team" in html
    assert memberships() == before


# Changing roles and removing ----------------------------------------------------------------


def test_admin_changes_a_role(client, trust, admin, colleague):
    client.force_login(admin)
    response = client.post(role_url(trust, colleague), {"role": ADMIN}, follow=True)
    assert Membership.objects.get(user=colleague, trust=trust).role == ADMIN
    assert f"sam is now trust admin at {trust.name}." in response.content.decode()


def test_the_last_admin_cannot_demote_or_remove_themselves(client, trust, admin, colleague):
    client.force_login(admin)
    before = memberships()

    demoted = client.post(role_url(trust, admin), {"role": VIEWER}).content.decode()
    removed = client.post(remove_url(trust, admin)).content.decode()

    assert "lead is Norfolk and Norwich University Hospitals&#39;s only trust admin" in demoted
    assert "Make someone else a trust admin first" in removed
    assert memberships() == before


def test_with_a_second_admin_one_can_step_down(client, trust, admin, colleague):
    membership_change_role(actor=admin, trust=trust, username="sam", role=ADMIN)
    client.force_login(admin)
    response = client.post(role_url(trust, admin), {"role": OPERATIONS})
    assert Membership.objects.get(user=admin, trust=trust).role == OPERATIONS
    # No longer an admin anywhere: back to the dashboard, not to a page they cannot see.
    assert response["Location"] == reverse("dashboard")


def test_remove_asks_first_then_removes(client, trust, admin, colleague):
    client.force_login(admin)
    confirm = client.get(remove_url(trust, colleague))
    assert confirm.status_code == 200
    assert "Remove sam from the team?" in confirm.content.decode()
    assert Membership.objects.filter(user=colleague, trust=trust).exists()

    response = client.post(remove_url(trust, colleague), follow=True)

    assert not Membership.objects.filter(user=colleague, trust=trust).exists()
    assert colleague.__class__.objects.filter(pk=colleague.pk).exists()  # the account stays
    assert f"sam is no longer on the {trust.name} team." in response.content.decode()


def test_remove_or_change_someone_not_on_the_team(client, trust, admin):
    outsider = UserFactory(username="outsider")
    client.force_login(admin)
    assert client.get(remove_url(trust, outsider)).status_code == 404
    html = client.post(role_url(trust, outsider), {"role": ADMIN}).content.decode()
    assert f"outsider is not a member of {trust.name}" in html
    assert not Membership.objects.filter(user=outsider).exists()


# The services themselves --------------------------------------------------------------------


def test_services_refuse_non_admins_national_admins_and_other_trusts(trust, admin, colleague):
    other = TrustFactory()
    national = UserFactory(is_superuser=True)
    for actor, target in ((colleague, trust), (national, trust), (admin, other)):
        with pytest.raises(MembershipRefused):
            membership_add(actor=actor, trust=target, username="lead", role=VIEWER)
        with pytest.raises(MembershipRefused):
            membership_change_role(actor=actor, trust=target, username="sam", role=ADMIN)
        with pytest.raises(MembershipRefused):
            membership_remove(actor=actor, trust=target, username="sam")


def test_a_switched_off_admin_is_refused(trust, admin, colleague):
    admin.is_active = False
    admin.save()
    with pytest.raises(MembershipRefused):
        membership_remove(actor=admin, trust=trust, username="sam")


def test_services_keep_at_least_one_admin(trust, admin):
    with pytest.raises(MembershipInvalid, match="only trust admin"):
        membership_remove(actor=admin, trust=trust, username="lead")
    with pytest.raises(MembershipInvalid, match="only trust admin"):
        membership_change_role(actor=admin, trust=trust, username="lead", role=OPERATIONS)
    assert Membership.objects.get(user=admin, trust=trust).role == ADMIN


def test_usernames_match_whatever_the_case_when_only_one_does(trust, admin):
    UserFactory(username="JSmith")
    assert (
        membership_add(actor=admin, trust=trust, username=" jsmith ", role=VIEWER).user.username
        == "JSmith"
    )
    UserFactory(username="aBc")
    UserFactory(username="AbC")
    with pytest.raises(MembershipInvalid, match="no StrikeDesk account"):
        membership_add(actor=admin, trust=trust, username="abc", role=VIEWER)
