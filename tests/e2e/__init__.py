"""Browser tests: Playwright drives Debian's chromium against Django's live server.

Every test in this folder is marked ``browser`` (see ``conftest.py``): without chromium it is
skipped on a laptop and fails in CI. A test asks for ``page`` (a fresh browser context whose
base URL is the live server, so ``page.goto("/")`` works) and calls ``check_page(page, name)``
for axe, a screenshot and the 320px reflow check. Decorate it with ``at_desktop_and_phone``
to run it at both sizes.
"""

import pytest
from playwright.sync_api import ViewportSize

DESKTOP: ViewportSize = {"width": 1280, "height": 900}
# WCAG 1.4.10 (reflow): a page must be readable at 320 CSS pixels without scrolling sideways.
PHONE: ViewportSize = {"width": 320, "height": 640}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}

at_desktop_and_phone = pytest.mark.parametrize(
    "viewport", list(VIEWPORTS.values()), ids=list(VIEWPORTS), indirect=True
)
