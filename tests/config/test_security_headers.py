"""Security headers on real responses: CSP with its nonce, Permissions-Policy, the CSRF
failure page, the API docs under the policy, and HSTS only with production's settings.

What a browser does with these headers was checked by hand in chromium (admin, API docs,
public pages); these tests keep the headers and pages that made that work.
"""

import base64
import hashlib
import importlib
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from types import ModuleType

import pytest
from django.http import HttpResponseBase
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CSP = "Content-Security-Policy"
HSTS = "Strict-Transport-Security"
PRODUCTION = "config.settings.production"


class _Page(HTMLParser):
    """The page's <script> tags (attributes and text) and <style> blocks."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.script_texts: list[str] = []
        self.styles: list[str] = []
        self._inside: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs))
            self.script_texts.append("")
        elif tag == "style":
            self.styles.append("")
        self._inside = tag if tag in ("script", "style") else self._inside

    def handle_endtag(self, tag: str) -> None:
        if tag == self._inside:
            self._inside = None

    def handle_data(self, data: str) -> None:
        if self._inside == "script":
            self.script_texts[-1] += data
        elif self._inside == "style":
            self.styles[-1] += data

    @property
    def inline_scripts(self) -> list[dict[str, str | None]]:
        return [
            attrs
            for attrs, text in zip(self.scripts, self.script_texts, strict=True)
            if "src" not in attrs and text.strip()
        ]


def policy(response: HttpResponseBase) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    directives = {}
    for part in response.headers[CSP].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def nonce_of(directives: dict[str, list[str]]) -> str:
    nonces = [s for s in directives["script-src"] if s.startswith("'nonce-")]
    assert len(nonces) == 1, directives["script-src"]
    return nonces[0].removeprefix("'nonce-").removesuffix("'")


def test_home_page_runs_only_its_own_files_and_the_script_with_this_requests_nonce():
    response = Client().get("/")
    assert response.status_code == 200
    directives = policy(response)
    nonce = nonce_of(directives)

    inline = _Page(response.text).inline_scripts
    assert inline, "the NHS.UK template's js-enabled script should be on the page"
    assert [script.get("nonce") for script in inline] == [nonce] * len(inline)
    assert directives["script-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_every_request_gets_a_fresh_nonce():
    client = Client()
    first, second = nonce_of(policy(client.get("/"))), nonce_of(policy(client.get("/")))
    assert first != second


@pytest.mark.parametrize("path", ["/", "/admin/login/", "/api/docs/"])
def test_no_page_allows_inline_or_eval_code(path):
    # The admin and the API docs get no exception: Django's admin runs under the strict
    # policy as it is, and the docs page allows one style block by its hash.
    directives = policy(Client().get(path))
    sources = [source for values in directives.values() for source in values]
    assert "'unsafe-inline'" not in sources
    assert "'unsafe-eval'" not in sources
    assert "'unsafe-hashes'" not in sources
    assert directives["frame-ancestors"] == ["'none'"]


def test_browser_features_the_site_never_uses_are_switched_off():
    response = Client().get("/")
    features = {rule.strip() for rule in response.headers["Permissions-Policy"].split(",") if rule}
    assert {"camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"} <= features
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


# A staff member's real credentials: the refusal must stop even a sign-in that would work.
SIGN_IN = {"username": "ops", "password": "correct horse battery staple"}


def _without_cookie(client: Client) -> HttpResponseBase:
    return client.post("/admin/login/", SIGN_IN)


def _with_wrong_token(client: Client) -> HttpResponseBase:
    client.get("/admin/login/")  # sets the CSRF cookie
    return client.post("/admin/login/", {**SIGN_IN, "csrfmiddlewaretoken": "x" * 64})


@pytest.mark.parametrize("send", [_without_cookie, _with_wrong_token])
def test_a_refused_form_gets_a_plain_english_page_with_a_way_back(send):
    UserFactory(username="ops", is_staff=True)
    client = Client(enforce_csrf_checks=True)
    response = send(client)

    assert response.status_code == 403
    page = response.text
    assert "Sorry, your form could not be sent" in page
    assert "the form expired" in page
    assert "blocking cookies" in page
    assert 'href="/check/"' in page
    assert 'href="/"' in page
    # Django's reason ("CSRF cookie not set.", "... incorrect length") is for logs only.
    assert "csrf" not in page.lower()
    assert "incorrect" not in page.lower()
    assert "_auth_user_id" not in client.session
    # The page is the NHS.UK layout, its script allowed by this response's nonce.
    inline = _Page(page).inline_scripts
    assert inline
    assert {script.get("nonce") for script in inline} == {nonce_of(policy(response))}


def test_api_docs_page_loads_its_start_up_script_from_a_url():
    client = Client()
    assert reverse("api-docs") == "/api/docs/"
    response = client.get("/api/docs/")
    assert response.status_code == 200

    page = _Page(response.text)
    assert page.inline_scripts == []
    sources = [script["src"] for script in page.scripts]
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in sources
    start_up = [src for src in sources if src and src.startswith("/api/docs/?")]
    assert len(start_up) == 1

    script = client.get(start_up[0])
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.text
    assert "/api/schema/" in script.text


def test_the_docs_pages_one_inline_style_is_allowed_by_its_hash_and_only_there():
    response = Client().get("/api/docs/")
    styles = _Page(response.text).styles
    assert styles
    allowed = policy(response)["style-src"]
    for style in styles:
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed, "drf-spectacular changed its <style>: new hash"
    assert policy(Client().get("/"))["style-src"] == ["'self'"]


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """production.py as a server loads it (defaults only), read as a plain module."""
    monkeypatch.setenv("SECRET_KEY", "p" * 50)
    monkeypatch.setenv("ALLOWED_HOSTS", "testserver")
    for name in ("SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT"):
        monkeypatch.delenv(name, raising=False)
    sys.modules.pop(PRODUCTION, None)
    try:
        yield importlib.import_module(PRODUCTION)
    finally:
        sys.modules.pop(PRODUCTION, None)


def _as_in_production(settings: Settings, production: ModuleType) -> None:
    for name in (
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "CONTENT_SECURITY_POLICY",
    ):
        setattr(settings, name, getattr(production, name))


def test_production_tells_browsers_to_use_https_for_a_year(settings, production):
    _as_in_production(settings, production)
    # The proxy in front terminates TLS and says so in X-Forwarded-Proto.
    response = Client().get("/", headers={"x-forwarded-proto": "https"})

    assert response.status_code == 200
    assert response.headers[HSTS] == "max-age=31536000; includeSubDomains; preload"
    assert "upgrade-insecure-requests" in policy(response)


def test_production_redirects_plain_http_without_an_hsts_header(settings, production):
    _as_in_production(settings, production)
    response = Client().get("/")

    assert response.status_code == 301
    assert response.headers["Location"] == "https://testserver/"
    assert HSTS not in response.headers


def test_test_and_workstation_settings_send_no_hsts_even_over_https():
    response = Client().get("/", secure=True)

    assert response.status_code == 200
    assert HSTS not in response.headers
    assert "upgrade-insecure-requests" not in policy(response)
