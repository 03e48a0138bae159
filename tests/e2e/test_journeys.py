"""Staff run a strike from the browser, on the real demo with a real Celery worker.

The demo site (``demo_site.py``) is loaded by ``load_demo`` as ``make run`` loads it, and
served by its own web server and worker processes. Each journey signs in by typing, as a
person does, and only looks at what the pages show. The journeys do not depend on one
another's order: each works on a strike the others leave alone (B for the Norfolk and
Norwich operations lead, D2 for the call-off), and the King's Lynn viewer only reads.
"""

import re
import time
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.demo_site import DemoSite

DEMO_PASSWORD = "strikedesk-demo"
STRIKE_B = "RCN nurses' and CSP physiotherapists' strike"
STRIKE_D2 = "BMA junior doctors' strike, Hampshire: second walkout"
# A page reload or an assessment on a loaded 2-core machine takes a few seconds.
SLOW = 60_000


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    with DemoSite(tmp_path_factory.mktemp("demo-site")) as site:
        yield site


@pytest.fixture
def site_url(demo_site: DemoSite) -> str:
    return demo_site.url


def sign_in(page: Page, username: str) -> None:
    """By keyboard, from a page that needs signing in, as staff would on a shared PC."""
    page.goto("/staff/")
    expect(page).to_have_url(re.compile(r"/staff/sign-in/\?next=/staff/$"))
    page.get_by_label("Username").fill(username)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Strikes", exact=True)).to_be_visible()


def open_strike(page: Page, title: str) -> None:
    page.goto("/staff/")
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)


def strike_tab(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="This strike").get_by_role("link", name=name).click()
    expect(
        page.get_by_role("navigation", name="This strike").get_by_role("link", name=name)
    ).to_have_attribute("aria-current", "page")


def postponed_on_report(page: Page, trust: str) -> int:
    """The trust's postponed total from the report's per-trust table: the third column
    under the "Postponed" heading (outpatient, inpatient and day case, total)."""
    table = page.get_by_role("table", name=re.compile("per trust", re.IGNORECASE)).first
    sub_headings = table.locator("thead tr").nth(1).locator("th").all_inner_texts()
    assert [h.strip() for h in sub_headings[:3]] == [
        "Outpatient",
        "Inpatient and day case",
        "Total",
    ]
    row = table.locator("tbody tr").filter(has_text=trust).first
    # Trust, planned, in strike, exempt, at risk, going ahead, then the postponed group.
    text = row.locator("th, td").nth(8).inner_text()
    return int(re.sub(r"[^\d]", "", text) or 0)


def postpone_all_button(page: Page) -> Locator:
    return page.get_by_role("button", name=re.compile(r"^Postpone (all [\d,]+|1 booking)$"))


def count_in(text: str) -> int:
    return int(re.search(r"[\d,]+", text).group().replace(",", ""))


def postpone(page: Page, count: int) -> None:
    """Everything the filters match: the confirmation states the count, then the banner."""
    postpone_all_button(page).click()
    page.get_by_role(
        "button", name=f"Yes, postpone {count:,} booking{'s' if count > 1 else ''}"
    ).click()
    expect(page.get_by_text(f"Postponed {count:,} booking")).to_be_visible()


def press_until_none_left(page: Page, name: re.Pattern[str]) -> None:
    """Press the first such button, wait for the page it posts to, and again until the
    page offers none (a letter batch, then the next; each call recorded leaves the list)."""
    buttons = page.get_by_role("button", name=name)
    for _ in range(500):
        if not buttons.count():
            return
        with page.expect_navigation():
            buttons.first.click()
    pytest.fail(f"still offered after 500 presses: {name.pattern}")


def notices_summary(page: Page) -> dict:
    strike_id = re.search(r"/strikes/([0-9a-f-]+)/", page.url).group(1)
    return page.request.get(f"/api/v1/strikes/{strike_id}/notices/summary/").json()


def wait_for_the_worker(page: Page) -> None:
    """Until the notices summary (the API the progress bar reads, with the page's session)
    has nothing the worker still has to send: texts and emails all gone out."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        summary = notices_summary(page)
        waiting = [
            row
            for row in summary["rows"]
            if row["status"] in ("pending", "sending") and row["channel"] in ("sms", "email")
        ]
        if not waiting:
            return
        time.sleep(2)
    pytest.fail(f"the worker did not send every text and email: {waiting}")


def test_operations_lead_assesses_postpones_endoscopy_day_one_and_tells_patients(
    page: Page, demo_site: DemoSite
) -> None:
    page.set_default_timeout(SLOW)
    sign_in(page, "nnuh.ops")
    expect(page.get_by_text("Operations, Norfolk and Norwich")).to_be_visible()

    open_strike(page, STRIKE_B)
    strike_tab(page, "Report")
    postponed_before = postponed_on_report(page, "Norfolk and Norwich")

    # Assess: the dry run shows the counts first, then the real run.
    strike_tab(page, "Overview")
    page.get_by_role("button", name="Assess").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Assess")
    page.get_by_role("button", name="Assess now").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(STRIKE_B)

    # The worklist: at-risk endoscopy bookings on the strike's first day, all of them.
    strike_tab(page, "Worklist")
    everything = postpone_all_button(page).inner_text()
    page.get_by_label("Service").select_option(label="Endoscopy")
    day_one = page.get_by_label("Day").locator("option").nth(1).get_attribute("value")
    page.get_by_label("Day").select_option(value=day_one)
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"service=endoscopy"))
    expect(postpone_all_button(page)).not_to_have_text(everything)
    matching = count_in(postpone_all_button(page).inner_text())
    assert matching > 0, "the demo leaves strike B's endoscopies at risk"
    # Their own trust's operations lead sees patients' names (the viewer below must not).
    expect(page.get_by_role("columnheader", name="Patient")).to_be_visible()
    postpone(page, matching)

    # The notices: created now, sent by the worker, the bar reaches 100% without a reload.
    strike_tab(page, "Notices")
    page.get_by_role("button", name="Create and send notices now").click()
    # The worker sends the texts and emails; what is left is staff's to do by hand: the
    # letters printed in house and the patients only a phone call reaches.
    expect(page.get_by_test_id("notice-progress-percent")).not_to_have_text("0%")
    wait_for_the_worker(page)
    notices_url = page.url
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("^Print and mark posted")).first.click()
    press_until_none_left(page, re.compile(r"^Mark [\d,]+ letters? as posted$"))
    page.goto(notices_url)
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("^Open the call list")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Patients to call")
    press_until_none_left(page, re.compile("^Called "))
    page.goto(notices_url)
    summary = notices_summary(page)
    expect(
        page.get_by_test_id("notice-progress-percent"), f"still owed: {summary['rows']}"
    ).to_have_text("100%", timeout=SLOW)

    # The report counts the new postponements.
    strike_tab(page, "Report")
    assert postponed_on_report(page, "Norfolk and Norwich") == postponed_before + matching


def test_kings_lynn_viewer_finds_no_norfolk_and_norwich_patient(
    page: Page, demo_site: DemoSite
) -> None:
    page.set_default_timeout(SLOW)
    names_and_references = demo_site.manage(
        "shell",
        "-c",
        "from appointments.models import Appointment\n"
        "for a in Appointment.objects.filter(trust__ods_code='RM1').select_related('patient')"
        ".order_by('?')[:300]:\n"
        "    print('|' + a.patient.given_name + ' ' + a.patient.family_name)\n"
        "    print('|' + a.reference[:4] + ' ' + a.reference[4:8] + ' ' + a.reference[8:])\n",
    ).splitlines()
    names_and_references = [line[1:] for line in names_and_references if line.startswith("|")]
    assert len(names_and_references) == 600

    sign_in(page, "qeh.viewer")
    expect(page.get_by_text("Viewer, The Queen Elizabeth")).to_be_visible()
    seen: set[str] = set()
    to_visit = ["/staff/"]
    while to_visit and len(seen) < 80:
        path = to_visit.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(path)
        assert response is not None, path
        assert response.status in (200, 403), path
        text = page.locator("body").inner_text()
        leaked = [item for item in names_and_references if item in text]
        assert not leaked, f"{path} shows Norfolk and Norwich patients: {leaked[:3]}"
        for href in page.locator("a[href^='/staff/']").evaluate_all(
            "links => links.map(link => link.getAttribute('href'))"
        ):
            if "sign-out" not in href and not href.endswith(".csv") and href not in seen:
                to_visit.append(href)
    assert len(seen) > 10, "the viewer's walk should reach the strike pages"


def test_calling_off_a_strike_reinstates_its_postponed_bookings(
    page: Page, demo_site: DemoSite
) -> None:
    page.set_default_timeout(SLOW)
    sign_in(page, "admin")
    open_strike(page, STRIKE_D2)
    page.get_by_role("button", name="Assess").click()
    page.get_by_role("button", name="Assess now").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(STRIKE_D2)

    strike_tab(page, "Worklist")
    postponed = count_in(postpone_all_button(page).inner_text())
    postpone(page, postponed)

    strike_tab(page, "Overview")
    page.get_by_role("button", name="Call off", exact=True).click()
    expect(
        page.get_by_text(re.compile(rf"{postponed} bookings? will be reinstated"))
    ).to_be_visible()
    page.get_by_role("button", name="Call off the strike").click()
    expect(
        page.get_by_text(re.compile(rf"{postponed} bookings? (were |was )?reinstated"))
    ).to_be_visible()
    expect(page.get_by_text("Called off").first).to_be_visible()


def test_strike_page_with_the_demo_data_is_accessible(
    page: Page, demo_site: DemoSite, check_page: Callable[[Page, str], None]
) -> None:
    page.set_default_timeout(SLOW)
    sign_in(page, "nnuh.ops")
    open_strike(page, STRIKE_B)
    page.wait_for_function("document.querySelectorAll('canvas').length > 0")
    # This screenshot (test-artifacts/test_journeys/strike-b-desktop.png) is the README's.
    check_page(page, "strike-b")
