"""Fixtures for the browser tests: one chromium per session, a fresh context per test.

A test fails when the page logs a console error or throws (a Content-Security-Policy
violation is logged as a console error), and ``check_page`` fails it on any WCAG 2.2 AA
violation axe finds or a page that scrolls sideways.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)

from tests.e2e import DESKTOP, VIEWPORTS

E2E_DIR = Path(__file__).resolve().parent
# The NHS.UK stylesheet loads its Frutiger web fonts from here.
NHS_FONTS = "https://assets.nhs.uk/"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE = Axe()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Added here rather than by each file's pytestmark, so no test in this folder can forget
    # it; tryfirst so that `-m "not browser"` already sees it.
    for item in items:
        if item.path.resolve().is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.browser)


def artifacts_dir() -> Path:
    default = E2E_DIR.parent.parent / "test-artifacts"
    return Path(os.environ.get("STRIKEDESK_TEST_ARTIFACTS", default))


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with pytest.MonkeyPatch.context() as mp:
        # Playwright's sync API runs an asyncio event loop in the test's own thread, and
        # Django refuses ORM calls from a thread with a running loop (SynchronousOnlyOperation)
        # because it cannot tell them from calls inside async code. The tests only use the
        # loop through Playwright's blocking calls, never from a coroutine, so the ORM use
        # (factories, the database fixtures) is safe.
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as pw:
            yield pw


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    # The same path and default as the `browser` marker's check in tests/conftest.py, which
    # has already skipped (or, in CI, failed) the test if nothing runs there.
    chromium = os.environ.get("STRIKEDESK_CHROMIUM", "/usr/bin/chromium")
    # --no-sandbox: CI runs as root, where chromium refuses to start with its sandbox.
    browser = playwright.chromium.launch(
        executable_path=chromium, args=["--no-sandbox"], headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def viewport(request: pytest.FixtureRequest) -> ViewportSize:
    """The window size; parametrize it (indirect) or use ``at_desktop_and_phone``."""
    return getattr(request, "param", DESKTOP)


@pytest.fixture
def site_url(live_server: Any) -> str:
    """Where ``page`` points: Django's live server on the test database. The staff
    journeys override it with the running demo (tests/e2e/demo_site.py)."""
    return live_server.url


@pytest.fixture
def page(
    browser: Browser, site_url: str, viewport: ViewportSize, request: pytest.FixtureRequest
) -> Iterator[Page]:
    # No bypass_csp: the page's own Content-Security-Policy must hold in the tests.
    context = browser.new_context(base_url=site_url, viewport=viewport)
    # The fonts are on the internet, which a test must not depend on: their requests are cut
    # off here on every machine, and that failure alone is ignored below. The browser applies
    # the CSP before any request, so a policy refusing the fonts still fails the test.
    context.route(f"{NHS_FONTS}**", lambda route: route.abort("internetdisconnected"))
    page = context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        where = message.location.get("url", "")
        cut_off = message.text.startswith("Failed to load resource") and where.startswith(NHS_FONTS)
        expected = any(
            text in message.text for text in getattr(request.node, "expected_console_errors", ())
        )
        if message.type == "error" and not cut_off and not expected:
            problems.append(f"console error: {message.text}" + (f" ({where})" if where else ""))

    def on_page_error(error: Error) -> None:
        problems.append(f"uncaught exception: {error.message}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    yield page
    # Closing first delivers any events the page sent after the test's last call.
    context.close()
    if problems:
        pytest.fail("The browser reported errors:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def sign_in_as(page: Page, live_server: Any) -> Callable[[Any], None]:
    """Give the page's browser a session for a user without typing a password: the
    sign-in form has its own tests, and django-axes counts every typed failure."""

    def sign_in(user: Any) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
        )

    return sign_in


@pytest.fixture
def expect_console_error(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """``expect_console_error(text)``: a console error containing ``text`` is what the test
    expects (a page answering 429 on purpose logs "status of 429"), not a failure."""

    def expect(text: str) -> None:
        allowed = getattr(request.node, "expected_console_errors", [])
        request.node.expected_console_errors = [*allowed, text]

    return expect


def _describe(violations: list[dict[str, Any]]) -> list[str]:
    lines = []
    for violation in violations:
        nodes = violation["nodes"]
        targets = ", ".join(" ".join(node["target"]) for node in nodes[:3])
        more = f" and {len(nodes) - 3} more" if len(nodes) > 3 else ""
        lines.append(
            f"axe {violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"    at {targets}{more}\n    see {violation['helpUrl']}"
        )
    return lines


@pytest.fixture
def check_page(request: pytest.FixtureRequest) -> Callable[[Page, str], None]:
    """``check_page(page, name)``: screenshot, then axe (WCAG 2.2 AA) and the reflow check."""
    folder = artifacts_dir() / request.path.stem

    def check(page: Page, name: str) -> None:
        size = page.viewport_size or DESKTOP
        size_id = next(
            (key for key, value in VIEWPORTS.items() if value == size),
            f"{size['width']}x{size['height']}",
        )
        folder.mkdir(parents=True, exist_ok=True)
        # Before the assertions, so a failing page can be looked at.
        page.screenshot(path=folder / f"{name}-{size_id}.png", full_page=True)

        # page.evaluate goes through the DevTools protocol, which the page's CSP does not
        # govern, so axe is injected without bypass_csp and the page's policy stays enforced.
        results = AXE.run(
            page,
            options={
                "runOnly": {"type": "tag", "values": WCAG_TAGS},
                "resultTypes": ["violations"],
            },
        )
        problems = _describe(results.response["violations"])
        scroll_width, inner_width = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        if scroll_width > inner_width:
            problems.append(
                f"scrolls sideways: {scroll_width}px of content in a {inner_width}px window "
                "(WCAG 1.4.10 reflow)"
            )
        if problems:
            pytest.fail(f"{name} at {size_id}:\n" + "\n".join(problems), pytrace=False)

    return check
