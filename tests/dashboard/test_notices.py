"""The strike's notices page: progress equal to the API summary, by-hand work per trust,
create-and-send and retry, and what viewers and other trusts' staff may see and do."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from appointments.models import Notice, NoticeStatus, Outcome
from appointments.notices import notices_generate
from appointments.notices.by_hand import call_list, letters_for_print
from strikes.services import strike_suspend
from tests.appointments.notices.people import ADDRESS, LANDLINE, patient, reachable_by_everything
from tests.factories import MembershipFactory, UserFactory
from tests.strikes.desk import STARTS_AT, Desk
from trusts.models import Membership

IN_WINDOW = STARTS_AT - dt.timedelta(days=2)
FIGURES = ("total", "sent", "delivered", "waiting", "failed", "overdue", "withdrawn")


@pytest.fixture
def desk(db) -> Desk:
    return Desk()


@pytest.fixture
def national(db):
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def printing(settings):
    settings.STRIKEDESK_LETTERS = "print"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def role_at(trust, role):
    return MembershipFactory(trust=trust, role=role).user


def page_url(desk: Desk) -> str:
    return f"/staff/strikes/{desk.strike.public_id}/notices/"


def summary_url(desk: Desk) -> str:
    return f"/api/v1/strikes/{desk.strike.public_id}/notices/summary/"


def postpone(desk: Desk, *bookings, actor) -> None:
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=tuple(b.reference for b in bookings), actor=actor)


@pytest.fixture
def notices(desk, national, printing):
    """Trust A: a text, an email, a letter and a call; trust B: a text. All postponed and
    generated in the notice window; A's text sent, A's email failed."""
    bookings = {
        "text": desk.book(patient=reachable_by_everything("sms")),
        "email": desk.book(patient=reachable_by_everything("email")),
        "letter": desk.book(patient=patient(preferred="letter", address=ADDRESS)),
        "call": desk.book(patient=patient(phone=LANDLINE)),
        "theirs": desk.book(site=desk.other_site, patient=reachable_by_everything("sms")),
    }
    postpone(desk, *bookings.values(), actor=national)
    notices_generate(now=IN_WINDOW)
    found = {name: Notice.objects.get(appointment=b) for name, b in bookings.items()}
    Notice.objects.filter(pk=found["text"].pk).update(
        status=NoticeStatus.SENT, sent_at=timezone.now()
    )
    Notice.objects.filter(pk__in=(found["email"].pk, found["theirs"].pk)).update(
        status=NoticeStatus.FAILED, attempts=10, last_error="Email address not valid"
    )
    return found


def figures_on(html: str) -> dict[str, int]:
    found = dict(re.findall(r'data-figure="(\w+)">([\d,]+)%?<', html))
    return {key: int(value.replace(",", "")) for key, value in found.items()}


def reference(notice: Notice) -> str:
    ref = notice.appointment.reference
    return "-".join(ref[i : i + 4] for i in range(0, len(ref), 4))


class TestProgress:
    @pytest.mark.parametrize("who", ["ops", "national", "other_ops"])
    def test_the_numbers_are_the_api_summary_for_the_same_user(self, desk, notices, national, who):
        user = {
            "ops": desk.ops,
            "national": national,
            "other_ops": role_at(desk.other_trust, Membership.Role.OPERATIONS),
        }[who]
        client = signed_in(user)
        html = client.get(page_url(desk)).text
        summary = client.get(summary_url(desk), HTTP_ACCEPT="application/json").json()
        status = summary["by_status"]
        owed = summary["total"] - status["withdrawn"]
        done = status["sent"] + status["delivered"]
        expected = {
            "total": summary["total"],
            "sent": status["sent"],
            "delivered": status["delivered"],
            "waiting": status["pending"] + status["sending"],
            "failed": status["failed"],
            "overdue": summary["overdue"],
            "withdrawn": status["withdrawn"],
            "done": done,
            "owed": owed,
            "percent": done * 100 // owed,
        }
        assert figures_on(html) == expected
        assert f'max="{owed}" value="{done}"' in html

    def test_ops_at_trust_a_count_trust_a_only(self, desk, notices):
        figures = figures_on(signed_in(desk.ops).get(page_url(desk)).text)
        # A's four: one sent, one failed, the letter and the call waiting for staff.
        assert (figures["total"], figures["sent"], figures["failed"], figures["waiting"]) == (
            4,
            1,
            1,
            2,
        )
        assert figures["percent"] == 25

    def test_withdrawn_notices_are_not_owed(self, desk, notices):
        Notice.objects.filter(pk=notices["letter"].pk).update(status=NoticeStatus.WITHDRAWN)
        html = signed_in(desk.ops).get(page_url(desk)).text
        figures = figures_on(html)
        assert (figures["owed"], figures["done"], figures["percent"]) == (3, 1, 33)
        assert "Withdrawn" in html
        assert (
            "Withdrawn notices are no longer owed, so they are left out of the percentage" in html
        )

    def test_the_bar_polls_the_api_while_notices_wait(self, desk, notices):
        html = signed_in(desk.ops).get(page_url(desk)).text
        assert f'data-summary-url="{summary_url(desk)}"' in html
        assert 'data-waiting="2"' in html
        assert 'aria-live="polite"' in html
        assert "js/notice-progress.mjs" in html
        assert '<label class="nhsuk-label" for="notice-progress-bar">' in html


class TestEmptyStates:
    def test_not_assessed(self, desk):
        html = signed_in(desk.ops).get(page_url(desk)).text
        assert "No notices have been created for this strike yet" in html
        assert "have not been assessed" in html
        assert f"/staff/strikes/{desk.strike.public_id}/" in html
        assert "data-notice-progress" not in html

    def test_assessed_but_nothing_postponed(self, desk):
        desk.book()
        desk.assess()
        html = signed_in(desk.ops).get(page_url(desk)).text
        assert "No booking has been postponed yet" in html
        assert f"/staff/strikes/{desk.strike.public_id}/worklist/" in html

    def test_postponed_before_the_window_opens_says_when_and_offers_early(self, desk):
        postpone(desk, desk.book(), actor=desk.ops)
        html = signed_in(desk.ops).get(page_url(desk)).text
        assert "Notices go out from" in html
        assert "3 days before the strike starts" in html
        assert 'name="early"' in html

    def test_a_user_whose_trusts_take_no_part(self, desk):
        outsider = role_at(MembershipFactory().trust, Membership.Role.OPERATIONS)
        html = signed_in(outsider).get(page_url(desk)).text
        assert "None of your trusts takes part in this strike" in html

    def test_no_failures(self, desk, notices):
        Notice.objects.filter(status=NoticeStatus.FAILED).update(status=NoticeStatus.PENDING)
        html = signed_in(desk.ops).get(page_url(desk)).text
        assert "No notice has failed" in html


class TestTrusts:
    def test_letters_and_calls_owed_as_their_pages_list_them(self, desk, notices):
        html = signed_in(desk.ops).get(page_url(desk)).text
        now = timezone.now()
        letters = letters_for_print(strike=desk.strike, trust=desk.trust, user=desk.ops, now=now)
        calls = call_list(strike=desk.strike, trust=desk.trust, user=desk.ops, now=now)
        row = re.search(rf'data-trust="{desk.trust.ods_code}">(.*?)</tr>', html, re.S).group(1)
        assert re.search(rf"data-letters>{letters.count()}<", row)
        assert re.search(rf"data-calls>{calls.count()}<", row)
        assert (letters.count(), calls.count()) == (1, 1)
        base = f"/staff/strikes/{desk.strike.public_id}/trusts/{desk.trust.ods_code}"
        assert f'href="{base}/letters/"' in row
        assert f'href="{base}/letters/?download=1"' in row
        assert f'href="{base}/calls/"' in row
        assert f'data-trust="{desk.other_trust.ods_code}"' not in html

    def test_national_users_see_every_taking_part_trust(self, desk, notices, national):
        html = signed_in(national).get(page_url(desk)).text
        assert f'data-trust="{desk.trust.ods_code}"' in html
        assert f'data-trust="{desk.other_trust.ods_code}"' in html


class TestWhoSeesWhat:
    def test_another_trusts_staff_see_none_of_trust_as_notices(self, desk, notices):
        stranger = role_at(desk.other_trust, Membership.Role.ADMIN)
        html = signed_in(stranger).get(page_url(desk)).text
        for mine in ("text", "email", "letter", "call"):
            assert reference(notices[mine]) not in html
            person = notices[mine].appointment.patient
            assert person.family_name not in html
        assert reference(notices["theirs"]) in html
        assert f'data-trust="{desk.trust.ods_code}"' not in html

    def test_viewers_see_failures_by_reference_without_actions_or_names(self, desk, notices):
        viewer = role_at(desk.trust, Membership.Role.VIEWER)
        html = signed_in(viewer).get(page_url(desk)).text
        failed = notices["email"]
        assert reference(failed) in html
        assert "Email address not valid" in html
        assert failed.appointment.patient.family_name not in html
        assert "Create and send notices now" not in html
        assert 'name="notice"' not in html
        assert "Retry" not in html.replace("retry them below", "")
        assert "/letters/" not in html
        assert "/calls/" not in html
        assert "Only operations staff and trust admins can retry" in html

    @pytest.mark.parametrize("action", ["create", "retry"])
    def test_a_viewers_post_is_403_and_changes_nothing(self, desk, notices, action):
        viewer = role_at(desk.trust, Membership.Role.VIEWER)
        before = sorted(Notice.objects.values_list("pk", "status", "attempts"))
        url = page_url(desk) + f"{action}/"
        response = signed_in(viewer).post(url, {"early": "yes", "retry": "all"})
        assert response.status_code == 403
        assert sorted(Notice.objects.values_list("pk", "status", "attempts")) == before

    def test_unknown_strike_is_404(self, desk):
        unknown = "/staff/strikes/00000000-0000-4000-8000-000000000000/notices/"
        assert signed_in(desk.ops).get(unknown).status_code == 404

    def test_anonymous_users_are_sent_to_sign_in(self, desk, client):
        response = client.get(page_url(desk))
        assert response.status_code == 302
        assert response["Location"].startswith("/staff/sign-in/")

    def test_the_page_is_never_cached(self, desk):
        response = signed_in(desk.ops).get(page_url(desk))
        assert "no-store" in response["Cache-Control"]


class TestCreateAndSend:
    def test_early_creates_trust_as_notices_and_starts_sending(
        self, desk, national, settings, django_capture_on_commit_callbacks
    ):
        ours = desk.book(patient=reachable_by_everything("sms"))
        theirs = desk.book(site=desk.other_site, patient=reachable_by_everything("sms"))
        postpone(desk, ours, theirs, actor=national)
        client = signed_in(desk.ops)
        with django_capture_on_commit_callbacks() as queued:
            response = client.post(page_url(desk) + "create/", {"early": "yes"})
        assert response.status_code == 302
        assert response["Location"] == page_url(desk)
        assert list(Notice.objects.values_list("appointment", flat=True)) == [ours.pk]
        assert len(queued) == settings.STRIKEDESK_NOTICE_DISPATCHERS
        html = client.get(page_url(desk)).text
        assert "1 notice created (1 postponed). Sending has started." in html

    def test_before_the_window_without_early_nothing_is_created_and_the_page_says_why(
        self, desk, django_capture_on_commit_callbacks
    ):
        postpone(desk, desk.book(), actor=desk.ops)
        client = signed_in(desk.ops)
        with django_capture_on_commit_callbacks() as queued:
            response = client.post(page_url(desk) + "create/", follow=True)
        assert not Notice.objects.exists()
        assert not queued
        assert "the notice window has not opened yet" in response.text

    def test_a_refusal_is_shown_and_nothing_created(self, desk, national):
        postpone(desk, desk.book(), actor=desk.ops)
        strike_suspend(strike=desk.strike, actor=national)
        response = signed_in(desk.ops).post(
            page_url(desk) + "create/", {"early": "yes"}, follow=True
        )
        assert "There is a problem" in response.text
        assert "suspended" in response.text
        assert not Notice.objects.exists()

    def test_get_is_not_allowed(self, desk):
        assert signed_in(desk.ops).get(page_url(desk) + "create/").status_code == 405


class TestRetry:
    def test_retry_selected_puts_them_back_in_the_queue_and_starts_sending(
        self, desk, notices, settings, django_capture_on_commit_callbacks
    ):
        client = signed_in(desk.ops)
        html = client.get(page_url(desk)).text
        assert f'name="notice" type="checkbox" value="{notices["email"].pk}"' in html
        assert f'value="{notices["theirs"].pk}"' not in html
        with django_capture_on_commit_callbacks() as queued:
            response = client.post(
                page_url(desk) + "retry/", {"retry": "selected", "notice": [notices["email"].pk]}
            )
        assert response["Location"] == page_url(desk)
        email = Notice.objects.get(pk=notices["email"].pk)
        assert (email.status, email.attempts) == (NoticeStatus.PENDING, 0)
        assert len(queued) == settings.STRIKEDESK_NOTICE_DISPATCHERS
        assert "1 failed notice is being sent again" in client.get(page_url(desk)).text

    def test_another_trusts_notice_is_not_retried(self, desk, notices):
        theirs = notices["theirs"].pk
        response = signed_in(desk.ops).post(
            page_url(desk) + "retry/", {"retry": "selected", "notice": [theirs]}, follow=True
        )
        assert Notice.objects.get(pk=theirs).status == NoticeStatus.FAILED
        assert "1 notice was not retried" in response.text

    def test_retry_all_takes_every_failed_notice_at_the_users_trusts(self, desk, notices):
        signed_in(desk.ops).post(page_url(desk) + "retry/", {"retry": "all"})
        assert Notice.objects.get(pk=notices["email"].pk).status == NoticeStatus.PENDING
        assert Notice.objects.get(pk=notices["theirs"].pk).status == NoticeStatus.FAILED

    @pytest.mark.parametrize(
        "data",
        [{"retry": "selected"}, {"retry": "selected", "notice": ["x"]}, {"retry": "sideways"}],
    )
    def test_bad_input_is_an_error_on_the_page_and_nothing_changes(self, desk, notices, data):
        before = sorted(Notice.objects.values_list("pk", "status", "attempts"))
        response = signed_in(desk.ops).post(page_url(desk) + "retry/", data)
        assert response.status_code == 200
        html = response.text
        assert "nhsuk-error-summary" in html
        assert "Error: Patient notices - StrikeDesk" in html
        assert sorted(Notice.objects.values_list("pk", "status", "attempts")) == before

    def test_nothing_selected_links_the_error_to_the_first_checkbox(self, desk, notices):
        html = signed_in(desk.ops).post(page_url(desk) + "retry/", {"retry": "selected"}).text
        assert "Select the failed notices to retry" in html
        assert f'href="#notice-{notices["email"].pk}"' in html
        assert 'aria-describedby="retry-error"' in html


class TestByHandPagesInTheDashboard:
    @pytest.mark.parametrize("which", ["letters", "calls"])
    def test_they_have_the_dashboard_header_and_the_strikes_tabs(self, desk, notices, which):
        url = f"/staff/strikes/{desk.strike.public_id}/trusts/{desk.trust.ods_code}/{which}/"
        html = signed_in(desk.ops).get(url).text
        assert 'class="sd-strike-nav"' in html
        assert f'href="{page_url(desk)}" aria-current="page"' in html
        assert "Sign out" in html
