"""Staff sign-in, sign-out and lockout (django-axes), the header's trust and role, and
sign-in required on every /staff/ page."""

import uuid

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import MembershipFactory, TrustFactory, UserFactory
from tests.signing_in import sign_in
from trusts.models import Membership

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
SIGN_IN = reverse("sign_in")
SIGN_OUT = reverse("sign_out")
BACKLOG = reverse("dashboard_backlog")
HERE = "203.0.113.7"
THERE = "198.51.100.9"


@pytest.fixture
def ops():
    trust = TrustFactory(name="Norfolk and Norwich University Hospitals NHS Foundation Trust")
    return MembershipFactory(
        trust=trust, role=Membership.Role.OPERATIONS, user__username="ops"
    ).user


def attempt(client, username: str, password: str, *, address: str = HERE, url: str = SIGN_IN):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return SESSION_KEY in client.session


def test_sign_in_through_the_form(client, ops):
    sign_in(client, "ops", PASSWORD)
    assert signed_in(client)
    assert client.get(BACKLOG).status_code == 200


def test_sign_in_lands_on_the_dashboard(client, ops):
    response = attempt(client, "ops", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_wrong_password_says_what_to_do_and_signs_nobody_in(client, ops):
    response = attempt(client, "ops", "wrong")
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Enter a correct username and password" in html
    assert f"After {settings.AXES_FAILURE_LIMIT} wrong tries from one place" in html
    assert "<title>Error: Sign in" in html
    assert not signed_in(client)
    # The same words for a username that does not exist: the page never says which.
    unknown = attempt(client, "nobody-by-this-name", "wrong").content.decode()
    assert "Enter a correct username and password" in unknown


def test_empty_fields_are_named(client, ops):
    html = client.post(SIGN_IN, {"username": "", "password": ""}).content.decode()
    assert "Enter your username" in html
    assert "Enter your password" in html
    assert 'href="#password"' in html


def test_lockout_after_the_limit_from_one_address_for_one_username(client, ops):
    UserFactory(username="colleague")
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert attempt(client, "ops", "wrong").status_code == 200
    locked = attempt(client, "ops", "wrong")
    assert locked.status_code == 429

    # Now even the right password is refused from here, with the lockout page.
    refused = attempt(client, "ops", PASSWORD)
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    html = refused.content.decode()
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"Too many tries: wait {minutes} minutes" in html
    assert not signed_in(client)

    # The same username from another address, and another username from here, still work.
    assert attempt(client, "ops", PASSWORD, address=THERE).status_code == 302
    client.logout()
    assert attempt(client, "colleague", PASSWORD).status_code == 302


def test_a_success_before_the_limit_clears_the_count(client, ops):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        attempt(client, "ops", "wrong")
    assert attempt(client, "ops", PASSWORD).status_code == 302
    client.logout()
    for _ in range(limit - 1):
        assert attempt(client, "ops", "wrong").status_code == 200


def test_the_admin_login_shares_the_counter(client, ops):
    admin_login = reverse("admin:login")
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert attempt(client, "ops", "wrong", url=admin_login).status_code == 200
    attempt(client, "ops", "wrong")  # the last try, on the dashboard's page
    assert attempt(client, "ops", PASSWORD).status_code == 429
    assert attempt(client, "ops", PASSWORD, url=admin_login).status_code == 429


def test_get_sign_out_asks_and_post_signs_out(client, ops):
    client.force_login(ops)
    page = client.get(SIGN_OUT)
    assert page.status_code == 200
    assert "Sign out of StrikeDesk" in page.content.decode()
    assert signed_in(client), "GET must not sign out (a link or a prefetch could)"

    response = client.post(SIGN_OUT)
    assert response.status_code == 302
    assert response["Location"] == SIGN_IN
    assert not signed_in(client)
    assert client.get(BACKLOG).status_code == 302


def test_sign_out_when_not_signed_in_goes_to_sign_in(client):
    assert client.get(SIGN_OUT)["Location"] == SIGN_IN


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/staff/backlog/?service=clinic", "/staff/backlog/?service=clinic"),
        ("https://evil.example/staff/", None),
        ("//evil.example/staff/", None),
        ("http://testserver.evil.example/", None),
        ("javascript:alert(1)", None),
    ],
)
def test_next_is_honoured_only_for_this_site(client, ops, next_url, lands_on):
    response = client.post(SIGN_IN, {"username": "ops", "password": PASSWORD, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == (lands_on or reverse("dashboard"))


def test_the_sign_in_page_carries_next_into_its_form(client):
    html = client.get(SIGN_IN, {"next": "/staff/backlog/"}).content.decode()
    assert 'name="next" value="/staff/backlog/"' in html


def test_a_signed_in_user_is_sent_on_from_the_sign_in_page(client, ops):
    client.force_login(ops)
    assert client.get(SIGN_IN)["Location"] == reverse("dashboard")


def test_the_header_shows_trust_and_role(client, ops):
    client.force_login(ops)
    html = client.get(BACKLOG).content.decode()
    assert "Operations, Norfolk and Norwich University Hospitals NHS Foundation Trust" in html
    assert 'href="/staff/sign-out/"' in html


def test_the_header_lists_every_trust_and_role(client):
    user = UserFactory()
    MembershipFactory(user=user, trust=TrustFactory(name="A Trust"), role="viewer")
    MembershipFactory(user=user, trust=TrustFactory(name="B Trust"), role="admin")
    client.force_login(user)
    html = client.get(BACKLOG).content.decode()
    assert "Viewer, A Trust; Trust admin, B Trust" in html
    client.force_login(UserFactory(is_superuser=True))
    assert "National administrator" in client.get(BACKLOG).content.decode()


def _staff_patterns() -> list[tuple[str, URLPattern]]:
    """Every page under /staff/, with the name to reverse it by."""
    found: list[tuple[str, URLPattern]] = []

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif route.startswith("staff/") and entry.name:
                found.append((entry.name, entry))

    walk(get_resolver().url_patterns, "")
    return found


SAMPLE_ARGUMENTS = {"uuid": uuid.uuid4(), "int": 1, "string": "RM1", "slug": "clinic", "path": "x"}


def test_anonymous_users_are_sent_to_sign_in_from_every_staff_page(client):
    checked = []
    for name, pattern in _staff_patterns():
        if name in {"sign_in", "sign_out"}:
            continue
        # Page modules not built yet answer 404 to everyone; they drop out of this skip
        # as they land, and are then checked like every other page.
        if getattr(pattern.callback, "__name__", "") == "_not_built":
            continue
        kwargs = {
            key: SAMPLE_ARGUMENTS[type(converter).__name__.removesuffix("Converter").lower()]
            for key, converter in pattern.pattern.converters.items()
        }
        url = reverse(name, kwargs=kwargs)
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, f"{method.__name__.upper()} {url}"
            assert response["Location"].startswith(f"{SIGN_IN}?next="), url
        checked.append(name)
    assert {"dashboard_backlog", "dashboard_backlog_reschedule", "dashboard_team"} <= set(checked)
