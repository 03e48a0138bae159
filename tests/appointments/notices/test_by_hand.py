"""Notices staff deliver by hand: the letter batch they print and post, the call list."""

import datetime as dt
import re

import pytest
from django.test import Client

from appointments.models import Appointment, Notice, NoticeStatus, Outcome, Status
from appointments.notices import notices_generate
from appointments.notices.by_hand import (
    ByHandRefused,
    NoticeNotFound,
    NoticeNotOwed,
    call_list,
    letters_for_print,
    letters_mark_posted,
    notice_mark_called,
)
from strikes.services import strike_call_off
from tests.factories import MembershipFactory
from tests.strikes.desk import LATE_SLOT
from trusts.models import Membership

from .conftest import IN_WINDOW
from .people import ADDRESS, LANDLINE, patient, reachable_by_everything

LATER = IN_WINDOW.replace(hour=12)


def by_letter(**names):
    return patient(preferred="letter", address=ADDRESS, **names)


def by_phone():
    # No mobile, email or address: a phone call from staff is the only way left.
    return patient(phone=LANDLINE)


@pytest.fixture
def printing(settings):
    settings.STRIKEDESK_LETTERS = "print"


@pytest.fixture
def owed(desk, national, printing):
    """Two letters and a call at trust A, a letter at trust B, and a text message at A;
    all postponed, notices generated."""
    bookings = {
        "letter": desk.book(patient=by_letter()),
        "second_letter": desk.book(patient=by_letter(), at=LATE_SLOT - dt.timedelta(hours=1)),
        "call": desk.book(patient=by_phone()),
        "text": desk.book(patient=reachable_by_everything()),
        "other_trust": desk.book(site=desk.other_site, patient=by_letter()),
    }
    desk.assess()
    references = tuple(booking.reference for booking in bookings.values())
    desk.decide(Outcome.POSTPONED, references=references, actor=national)
    notices_generate(now=IN_WINDOW)
    return {name: Notice.objects.get(appointment=b) for name, b in bookings.items()}


def role_at(trust, role):
    return MembershipFactory(trust=trust, role=role).user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(desk, which: str, strike=None, ods: str | None = None) -> str:
    strike_id = (strike or desk.strike).public_id
    return f"/staff/strikes/{strike_id}/trusts/{ods or desk.trust.ods_code}/{which}/"


def name_of(notice: Notice) -> str:
    person = notice.appointment.patient
    return f"{person.given_name} {person.family_name}"


class TestLettersToPrint:
    def test_the_trusts_owed_letters_only_oldest_due_first(self, desk, owed):
        assert {owed["letter"].channel, owed["call"].channel, owed["text"].channel} == {
            "letter",
            "phone",
            "sms",
        }
        # Created second, due first: the list is by deadline, not by creation.
        Notice.objects.filter(pk=owed["second_letter"].pk).update(due_by=IN_WINDOW)
        listed = letters_for_print(strike=desk.strike, trust=desk.trust, user=desk.ops, now=LATER)
        assert [n.pk for n in listed] == [owed["second_letter"].pk, owed["letter"].pk]

    def test_failed_letters_are_listed_withdrawn_and_untrue_ones_are_not(
        self, desk, owed, national
    ):
        Notice.objects.filter(pk=owed["letter"].pk).update(status=NoticeStatus.FAILED)
        Notice.objects.filter(pk=owed["second_letter"].pk).update(status=NoticeStatus.WITHDRAWN)
        assert [
            n.pk
            for n in letters_for_print(
                strike=desk.strike, trust=desk.trust, user=national, now=LATER
            )
        ] == [owed["letter"].pk]
        Appointment.objects.filter(pk=owed["letter"].appointment_id).update(status=Status.CANCELLED)
        assert not letters_for_print(strike=desk.strike, trust=desk.trust, user=national, now=LATER)

    def test_a_called_off_strike_leaves_nothing_to_print(self, desk, owed, national):
        strike_call_off(strike=desk.strike, actor=national, now=LATER)
        assert not letters_for_print(strike=desk.strike, trust=desk.trust, user=national, now=LATER)

    def test_when_the_provider_sends_letters_only_its_failures_are_printed(
        self, desk, owed, settings
    ):
        settings.STRIKEDESK_LETTERS = "provider"
        Notice.objects.filter(pk=owed["letter"].pk).update(status=NoticeStatus.FAILED)
        listed = letters_for_print(strike=desk.strike, trust=desk.trust, user=desk.ops, now=LATER)
        assert [n.pk for n in listed] == [owed["letter"].pk], "a pending one is the backend's"

    @pytest.mark.parametrize("at_trust_a", [True, False], ids=["viewer here", "admin elsewhere"])
    def test_viewers_and_other_trusts_staff_are_refused(self, desk, owed, at_trust_a):
        if at_trust_a:
            user = role_at(desk.trust, Membership.Role.VIEWER)
        else:
            user = role_at(desk.other_trust, Membership.Role.ADMIN)
        with pytest.raises(ByHandRefused, match="Only operations staff and trust admins of"):
            letters_for_print(strike=desk.strike, trust=desk.trust, user=user, now=LATER)


class TestMarkPosted:
    def test_exactly_the_listed_eligible_letters_are_posted_by_whom_and_when(self, desk, owed):
        Notice.objects.filter(pk=owed["second_letter"].pk).update(status=NoticeStatus.WITHDRAWN)
        ids = [owed["letter"].pk, owed["second_letter"].pk, owed["other_trust"].pk, 99999]
        posted = letters_mark_posted(
            strike=desk.strike, trust=desk.trust, notice_ids=ids, actor=desk.ops, now=LATER
        )
        assert posted == 1
        letter = Notice.objects.get(pk=owed["letter"].pk)
        assert (letter.status, letter.sent_at, letter.handled_by, letter.provider_reference) == (
            NoticeStatus.SENT,
            LATER,
            desk.ops,
            "posted by hand",
        )
        untouched = Notice.objects.exclude(pk=letter.pk).values_list("status", flat=True)
        assert set(untouched) == {NoticeStatus.PENDING, NoticeStatus.WITHDRAWN}
        again = letters_mark_posted(
            strike=desk.strike, trust=desk.trust, notice_ids=ids, actor=desk.ops, now=LATER
        )
        assert again == 0, "posting twice records nothing more"

    def test_a_viewer_cannot_mark_letters_posted(self, desk, owed):
        viewer = role_at(desk.trust, Membership.Role.VIEWER)
        with pytest.raises(ByHandRefused):
            letters_mark_posted(
                strike=desk.strike, trust=desk.trust, notice_ids=[owed["letter"].pk], actor=viewer
            )
        assert Notice.objects.get(pk=owed["letter"].pk).status == NoticeStatus.PENDING


class TestCalls:
    def test_the_call_list_holds_phone_notices_only(self, desk, owed):
        listed = call_list(strike=desk.strike, trust=desk.trust, user=desk.ops, now=LATER)
        assert [n.pk for n in listed] == [owed["call"].pk]

    def test_a_call_that_reached_the_patient_is_sent_by_the_caller(self, desk, owed):
        saved = notice_mark_called(notice_id=owed["call"].pk, actor=desk.ops, now=LATER)
        assert (saved.status, saved.sent_at, saved.handled_by, saved.attempts) == (
            NoticeStatus.SENT,
            LATER,
            desk.ops,
            1,
        )
        assert not call_list(strike=desk.strike, trust=desk.trust, user=desk.ops, now=LATER)
        with pytest.raises(NoticeNotOwed, match="no longer on the call list"):
            notice_mark_called(notice_id=owed["call"].pk, actor=desk.ops, now=LATER)

    def test_no_answer_keeps_the_patient_on_the_list(self, desk, owed):
        Notice.objects.filter(pk=owed["call"].pk).update(status=NoticeStatus.FAILED)
        saved = notice_mark_called(
            notice_id=owed["call"].pk, actor=desk.ops, now=LATER, reached=False
        )
        assert (saved.status, saved.sent_at, saved.handled_by, saved.attempts) == (
            NoticeStatus.PENDING,
            None,
            desk.ops,
            1,
        )
        assert (saved.last_error, saved.updated_at) == ("No answer", LATER)
        assert call_list(strike=desk.strike, trust=desk.trust, user=desk.ops, now=LATER)

    def test_notes_come_from_a_fixed_list(self, desk, owed):
        with pytest.raises(ByHandRefused, match="Unknown call note"):
            notice_mark_called(notice_id=owed["call"].pk, actor=desk.ops, reached=False, note="x")
        with pytest.raises(ByHandRefused, match="only for a call that did not reach"):
            notice_mark_called(notice_id=owed["call"].pk, actor=desk.ops, note="voicemail")

    def test_another_trusts_notice_reads_as_missing(self, desk, owed):
        stranger = role_at(desk.other_trust, Membership.Role.OPERATIONS)
        with pytest.raises(NoticeNotFound) as theirs:
            notice_mark_called(notice_id=owed["call"].pk, actor=stranger)
        with pytest.raises(NoticeNotFound) as missing:
            notice_mark_called(notice_id=999999, actor=stranger)
        assert str(theirs.value).replace(str(owed["call"].pk), "N") == str(missing.value).replace(
            "999999", "N"
        )
        with pytest.raises(NoticeNotFound):
            notice_mark_called(notice_id=owed["letter"].pk, actor=desk.ops)  # not a call

    def test_a_viewer_cannot_record_calls_nor_a_withdrawn_notice_be_called(self, desk, owed):
        viewer = role_at(desk.trust, Membership.Role.VIEWER)
        with pytest.raises(ByHandRefused):
            notice_mark_called(notice_id=owed["call"].pk, actor=viewer)
        Notice.objects.filter(pk=owed["call"].pk).update(status=NoticeStatus.WITHDRAWN)
        with pytest.raises(NoticeNotOwed):
            notice_mark_called(notice_id=owed["call"].pk, actor=desk.ops)


class TestLettersPage:
    def test_one_page_per_letter_with_the_address_block_and_no_other_trust(self, desk, owed):
        response = signed_in(desk.ops).get(page(desk, "letters"))
        assert response.status_code == 200
        html = response.text
        assert html.count('class="sd-letter"') == 2
        assert html.count('class="sd-letter__address"') == 2
        for notice in (owed["letter"], owed["second_letter"]):
            assert name_of(notice) in html
        assert "1 Colney Lane" in html
        assert "NR4 7UY" in html
        assert desk.trust.name in html
        for elsewhere in (owed["other_trust"], owed["call"], owed["text"]):
            assert name_of(elsewhere) not in html
        assert "no-store" in response["Cache-Control"]
        assert 'name="csrfmiddlewaretoken"' in html
        assert "2 letters to print" in html

    def test_download_is_an_attachment_named_without_personal_data(self, desk, owed):
        response = signed_in(desk.ops).get(page(desk, "letters") + "?download=1")
        disposition = response["Content-Disposition"]
        filename = rf"letters-{desk.strike.public_id}-{desk.trust.ods_code}-\d{{4}}-\d\d-\d\d\.html"
        pattern = f'attachment; filename="{filename}"'
        assert re.fullmatch(pattern, disposition), disposition
        assert response.text.count('class="sd-letter"') == 2
        assert "@page" in response.text, "the print layout travels with the file"
        assert "csrfmiddlewaretoken" not in response.text
        assert "no-store" in response["Cache-Control"]

    def test_a_long_run_is_printed_in_batches_due_soonest_first(self, desk, owed, monkeypatch):
        monkeypatch.setattr("appointments.views.LETTERS_PER_BATCH", 1)
        Notice.objects.filter(pk=owed["second_letter"].pk).update(due_by=IN_WINDOW)
        html = signed_in(desk.ops).get(page(desk, "letters")).text
        assert html.count('class="sd-letter"') == 1
        assert "Showing the first 1 of 2 letters" in html
        assert name_of(owed["second_letter"]) in html
        assert f'name="notices" value="{owed["second_letter"].pk}"' in html

    def test_empty_state(self, desk, printing):
        html = signed_in(desk.ops).get(page(desk, "letters")).text
        assert "No letters to print for this trust" in html
        assert 'class="sd-letter"' not in html

    def test_mark_all_posted_needs_confirming_then_records_who(self, desk, owed):
        client = signed_in(desk.ops)
        ids = f"{owed['letter'].pk},{owed['second_letter'].pk}"
        unconfirmed = client.post(page(desk, "letters"), {"notices": ids}, follow=True)
        assert "Confirm that you have posted all 2 letters" in unconfirmed.text
        assert Notice.objects.filter(status=NoticeStatus.SENT).count() == 0
        response = client.post(page(desk, "letters"), {"notices": ids, "confirm": "yes"})
        assert response.status_code == 302
        assert response["Location"] == page(desk, "letters")
        assert "2 letters marked as posted" in client.get(response["Location"]).text
        sent = Notice.objects.filter(status=NoticeStatus.SENT)
        assert set(sent.values_list("pk", "handled_by")) == {
            (owed["letter"].pk, desk.ops.pk),
            (owed["second_letter"].pk, desk.ops.pk),
        }
        assert all(notice.sent_at for notice in sent)

    def test_letters_skipped_are_reported(self, desk, owed):
        client = signed_in(desk.ops)
        ids = f"{owed['letter'].pk},{owed['other_trust'].pk}"
        response = client.post(
            page(desk, "letters"), {"notices": ids, "confirm": "yes"}, follow=True
        )
        assert "1 letter marked as posted" in response.text
        assert "1 letter was not marked as posted" in response.text
        assert Notice.objects.get(pk=owed["other_trust"].pk).status == NoticeStatus.PENDING


class TestWhoMaySeeThePages:
    @pytest.mark.parametrize("which", ["letters", "calls"])
    def test_anonymous_users_are_sent_to_sign_in(self, desk, printing, client, which):
        response = client.get(page(desk, which))
        assert response.status_code == 302
        assert response["Location"].startswith("/staff/sign-in/?next=/staff/strikes/")

    @pytest.mark.parametrize("which", ["letters", "calls"])
    @pytest.mark.parametrize("method", ["get", "post"])
    def test_viewers_get_403_and_other_trusts_404(self, desk, owed, which, method):
        viewer = signed_in(role_at(desk.trust, Membership.Role.VIEWER))
        stranger = signed_in(role_at(desk.other_trust, Membership.Role.ADMIN))
        data = {"notices": str(owed["letter"].pk), "confirm": "yes"}
        data |= {"notice": owed["call"].pk, "outcome": "called"}
        assert getattr(viewer, method)(page(desk, which), data).status_code == 403
        assert getattr(stranger, method)(page(desk, which), data).status_code == 404
        assert set(Notice.objects.values_list("status", flat=True)) == {NoticeStatus.PENDING}

    def test_unknown_strike_or_trust_is_404(self, desk, owed, national):
        client = signed_in(national)
        assert client.get(page(desk, "letters", ods="ZZ9")).status_code == 404
        unknown = f"/staff/strikes/{'0' * 8}-0000-4000-8000-{'0' * 12}/trusts/X/calls/"
        assert client.get(unknown).status_code == 404

    def test_posting_without_the_csrf_token_is_refused(self, desk, owed):
        client = Client(enforce_csrf_checks=True)
        client.force_login(desk.ops)
        data = {"notices": str(owed["letter"].pk), "confirm": "yes"}
        assert client.post(page(desk, "letters"), data).status_code == 403
        assert Notice.objects.get(pk=owed["letter"].pk).status == NoticeStatus.PENDING


class TestCallListPage:
    def test_phone_notices_only_with_what_to_say(self, desk, owed):
        response = signed_in(desk.ops).get(page(desk, "calls"))
        html = response.text
        call = owed["call"]
        assert name_of(call) in html
        assert LANDLINE in html
        assert call.appointment.site.name in html
        assert call.appointment.service.name in html
        assert "Because of strike action" in html
        assert "Do not attend" in html
        assert html.count('name="outcome"') == 2
        for other in (owed["letter"], owed["text"], owed["other_trust"]):
            assert name_of(other) not in html
        assert "no-store" in response["Cache-Control"]

    def test_called_and_no_answer_are_recorded_with_a_banner(self, desk, owed):
        client = signed_in(desk.ops)
        call = owed["call"]
        missed = client.post(page(desk, "calls"), {"notice": call.pk, "outcome": "no_answer"})
        assert missed["Location"] == page(desk, "calls")
        html = client.get(page(desk, "calls")).text
        assert "no answer recorded" in html
        assert "Tried 1 time: No answer" in html
        assert desk.ops.username in html
        assert name_of(call) in html, "still to call"
        client.post(page(desk, "calls"), {"notice": call.pk, "outcome": "called"})
        html = client.get(page(desk, "calls")).text
        assert "call recorded" in html
        assert "No patients to call for this trust" in html
        saved = Notice.objects.get(pk=call.pk)
        assert (saved.status, saved.handled_by, saved.attempts) == (NoticeStatus.SENT, desk.ops, 2)
        assert saved.sent_at is not None
        again = client.post(
            page(desk, "calls"), {"notice": call.pk, "outcome": "called"}, follow=True
        )
        assert "no longer on the call list" in again.text

    def test_a_notice_of_another_page_is_404(self, desk, owed, national):
        their_call = desk.book(site=desk.other_site, patient=by_phone())
        desk.assess()
        desk.decide(Outcome.POSTPONED, references=(their_call.reference,), actor=national)
        notices_generate(now=IN_WINDOW)
        notice = Notice.objects.get(appointment=their_call)
        client = signed_in(desk.ops)
        response = client.post(page(desk, "calls"), {"notice": notice.pk, "outcome": "called"})
        assert response.status_code == 404
        assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.PENDING
