"""Which notices are owed, when, and to whom: generation at controlled moments."""

import datetime as dt

import pytest

from appointments.models import Notice, NoticeKind, NoticeStatus, Outcome, Status
from appointments.notices import NoticesRefused, notices_generate
from appointments.services import appointment_reschedule
from strikes.models import StrikeStatus
from strikes.services import strike_call_off, strike_suspend
from tests.factories import MembershipFactory, UserFactory
from tests.strikes.desk import AFTER, BEFORE, DURING, LATE_SLOT, STARTS_AT
from trusts.models import Membership

from .conftest import BEFORE_WINDOW, IN_WINDOW, WINDOW_OPENS
from .people import reachable_by_everything


def postponed_booking(desk, actor=None, **fields):
    fields.setdefault("patient", reachable_by_everything())
    booking = desk.book(**fields)
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=(booking.reference,), actor=actor)
    return booking


def notices(**filters) -> list[tuple]:
    return sorted(
        Notice.objects.filter(**filters).values_list("appointment_id", "kind", "channel", "status")
    )


def mark_told(booking, desk) -> None:
    """As dispatch would after the provider took the postponement notice."""
    Notice.objects.filter(
        appointment=booking, strike=desk.strike, kind=NoticeKind.POSTPONED
    ).update(status=NoticeStatus.SENT, sent_at=IN_WINDOW)


class TestTheNoticeWindow:
    def test_nothing_is_created_before_the_window_opens(self, desk):
        postponed_booking(desk)
        result = notices_generate(now=BEFORE_WINDOW)
        assert result.total == 0
        assert Notice.objects.count() == 0

    def test_a_postponed_booking_gets_one_notice_once_the_window_opens(self, desk):
        booking = postponed_booking(desk)
        result = notices_generate(now=WINDOW_OPENS)
        assert result.created[NoticeKind.POSTPONED] == 1
        notice = Notice.objects.get()
        assert (notice.appointment, notice.kind, notice.status) == (
            booking,
            NoticeKind.POSTPONED,
            NoticeStatus.PENDING,
        )
        assert notice.due_by == STARTS_AT, "every notice is due by the start of the strike"

    def test_nothing_new_once_the_strike_has_started(self, desk):
        postponed_booking(desk)
        assert notices_generate(now=DURING).total == 0

    def test_a_second_run_creates_nothing(self, desk):
        postponed_booking(desk)
        desk.book_many(20)
        desk.assess()
        desk.decide(Outcome.POSTPONED, trust=desk.trust.ods_code)
        first = notices_generate(now=IN_WINDOW)
        assert first.created[NoticeKind.POSTPONED] == 21
        assert notices_generate(now=IN_WINDOW).total == 0
        assert Notice.objects.count() == 21

    def test_a_suspended_strike_waits(self, desk, national):
        postponed_booking(desk)
        strike_suspend(strike=desk.strike, actor=national, now=BEFORE)
        assert notices_generate(now=IN_WINDOW).total == 0

    def test_bookings_not_decided_or_exempt_get_nothing_by_default(self, desk):
        desk.book(patient=reachable_by_everything())
        desk.book(service=desk.maternity, patient=reachable_by_everything())
        desk.assess()
        assert notices_generate(now=IN_WINDOW).total == 0


class TestEarlyGeneration:
    def test_staff_can_send_one_strikes_notices_before_the_window(self, desk):
        postponed_booking(desk)
        result = notices_generate(now=BEFORE_WINDOW, strike=desk.strike, early=True, actor=desk.ops)
        assert result.created[NoticeKind.POSTPONED] == 1

    def test_early_generation_covers_only_the_trusts_of_the_member_of_staff(self, desk, national):
        postponed_booking(desk)
        postponed_booking(desk, site=desk.other_site, actor=national)
        notices_generate(now=BEFORE_WINDOW, strike=desk.strike, early=True, actor=desk.ops)
        assert list(Notice.objects.values_list("appointment__trust", flat=True)) == [desk.trust.pk]

    def test_a_viewer_may_not_generate(self, desk):
        postponed_booking(desk)
        viewer = MembershipFactory(trust=desk.trust, role=Membership.Role.VIEWER).user
        with pytest.raises(NoticesRefused, match="Only operations staff and trust admins"):
            notices_generate(now=BEFORE_WINDOW, strike=desk.strike, early=True, actor=viewer)
        assert Notice.objects.count() == 0

    def test_a_started_strike_is_refused(self, desk):
        postponed_booking(desk)
        with pytest.raises(NoticesRefused, match="has started"):
            notices_generate(now=DURING, strike=desk.strike, early=True, actor=desk.ops)

    def test_someone_with_no_trust_may_not_generate(self, desk):
        with pytest.raises(NoticesRefused):
            notices_generate(now=BEFORE_WINDOW, strike=desk.strike, early=True, actor=UserFactory())


class TestGoingAhead:
    def going_ahead_booking(self, desk):
        booking = desk.book(patient=reachable_by_everything())
        desk.assess()
        desk.decide(Outcome.GOING_AHEAD, references=(booking.reference,))
        return booking

    def test_not_sent_unless_the_strike_asks_for_them(self, desk):
        self.going_ahead_booking(desk)
        assert notices_generate(now=IN_WINDOW).total == 0

    def test_sent_when_the_strike_asks_for_them(self, desk):
        booking = self.going_ahead_booking(desk)
        desk.strike.send_going_ahead_notices = True
        desk.strike.save()
        notices_generate(now=IN_WINDOW)
        assert notices() == [(booking.pk, NoticeKind.GOING_AHEAD, "sms", NoticeStatus.PENDING)]

    def test_a_patient_told_of_a_postponement_that_is_reversed_is_told_again(self, desk):
        booking = postponed_booking(desk)
        notices_generate(now=IN_WINDOW)
        mark_told(booking, desk)
        desk.decide(Outcome.GOING_AHEAD, references=(booking.reference,), now=IN_WINDOW)
        result = notices_generate(now=IN_WINDOW)
        assert result.created[NoticeKind.GOING_AHEAD] == 1

    def test_a_reversal_before_the_patient_was_told_withdraws_the_notice(self, desk):
        booking = postponed_booking(desk)
        notices_generate(now=IN_WINDOW)
        desk.decide(Outcome.GOING_AHEAD, references=(booking.reference,), now=IN_WINDOW)
        result = notices_generate(now=IN_WINDOW)
        assert result.withdrawn == 1
        assert result.total == 0, "a patient never told of a postponement needs no correction"
        assert notices() == [(booking.pk, NoticeKind.POSTPONED, "sms", NoticeStatus.WITHDRAWN)]


class TestCallOff:
    def test_only_patients_already_told_hear_it_is_back_on(self, desk, national):
        told = postponed_booking(desk)
        not_yet_told = postponed_booking(desk)
        notices_generate(now=IN_WINDOW)
        mark_told(told, desk)
        strike_call_off(strike=desk.strike, actor=national, now=IN_WINDOW)

        result = notices_generate(now=IN_WINDOW)

        assert result.created[NoticeKind.REINSTATED] == 1
        assert result.withdrawn == 1
        assert notices(kind=NoticeKind.REINSTATED) == [
            (told.pk, NoticeKind.REINSTATED, "sms", NoticeStatus.PENDING)
        ]
        assert Notice.objects.get(appointment=not_yet_told).status == NoticeStatus.WITHDRAWN
        reinstated = Notice.objects.get(kind=NoticeKind.REINSTATED)
        assert reinstated.due_by == told.starts_at
        assert notices_generate(now=IN_WINDOW).total == 0

    def test_a_failed_postponement_notice_counts_as_not_told(self, desk, national):
        booking = postponed_booking(desk)
        notices_generate(now=IN_WINDOW)
        Notice.objects.update(status=NoticeStatus.FAILED, last_error="refused")
        strike_call_off(strike=desk.strike, actor=national, now=IN_WINDOW)
        assert notices_generate(now=IN_WINDOW).created[NoticeKind.REINSTATED] == 0
        assert Notice.objects.get(appointment=booking).status == NoticeStatus.WITHDRAWN


class TestRescheduled:
    def test_a_new_date_is_sent_once_and_due_by_that_date(self, desk):
        booking = postponed_booking(desk)
        new_date = LATE_SLOT + dt.timedelta(days=20)
        appointment_reschedule(appointment=booking, starts_at=new_date, actor=desk.ops, at=AFTER)
        result = notices_generate(now=AFTER)
        assert result.created[NoticeKind.RESCHEDULED] == 1
        notice = Notice.objects.get(kind=NoticeKind.RESCHEDULED)
        assert notice.due_by == new_date
        assert notices_generate(now=AFTER).total == 0

    def test_a_pending_postponement_notice_is_withdrawn_once_there_is_a_new_date(self, desk):
        booking = postponed_booking(desk)
        notices_generate(now=IN_WINDOW)
        appointment_reschedule(
            appointment=booking, starts_at=AFTER + dt.timedelta(days=3), actor=desk.ops, at=AFTER
        )
        notices_generate(now=AFTER)
        assert Notice.objects.get(kind=NoticeKind.POSTPONED).status == NoticeStatus.WITHDRAWN

    def test_a_notice_never_sent_before_the_appointment_stays_on_record(self, desk):
        booking = postponed_booking(desk)
        notices_generate(now=IN_WINDOW)
        result = notices_generate(now=booking.starts_at + dt.timedelta(hours=1))
        assert result.withdrawn == 0
        notice = Notice.objects.get()
        assert notice.status == NoticeStatus.PENDING
        assert Notice.objects.overdue(AFTER).get() == notice, "the patient was never told"

    def test_a_new_date_already_past_needs_no_notice(self, desk):
        booking = postponed_booking(desk)
        appointment_reschedule(
            appointment=booking, starts_at=AFTER + dt.timedelta(hours=1), actor=desk.ops, at=AFTER
        )
        assert notices_generate(now=AFTER + dt.timedelta(days=1)).total == 0

    def test_rescheduling_keeps_the_first_date(self, desk):
        booking = postponed_booking(desk)
        moved = appointment_reschedule(
            appointment=booking, starts_at=AFTER + dt.timedelta(days=3), actor=desk.ops, at=AFTER
        )
        assert moved.status == Status.RESCHEDULED
        assert moved.original_starts_at == LATE_SLOT


def test_the_scheduler_serves_every_trust(desk, national):
    postponed_booking(desk)
    postponed_booking(desk, site=desk.other_site, actor=national)
    assert notices_generate(now=IN_WINDOW).created[NoticeKind.POSTPONED] == 2
    assert desk.strike.status == StrikeStatus.ANNOUNCED


class TestSecondThoughts:
    """Decisions change, notices time out: the patient must end up believing the truth."""

    def test_postponed_again_after_a_withdrawn_notice_is_told(self, desk):
        booking = postponed_booking(desk)
        notices_generate(now=IN_WINDOW)
        desk.decide(Outcome.GOING_AHEAD, references=(booking.reference,), now=IN_WINDOW)
        notices_generate(now=IN_WINDOW)
        desk.decide(
            Outcome.POSTPONED,
            references=(booking.reference,),
            now=IN_WINDOW + dt.timedelta(minutes=5),
        )
        result = notices_generate(now=IN_WINDOW + dt.timedelta(minutes=5))
        assert result.created[NoticeKind.POSTPONED] == 1
        assert notices() == [
            (booking.pk, NoticeKind.POSTPONED, "sms", NoticeStatus.PENDING),
            (booking.pk, NoticeKind.POSTPONED, "sms", NoticeStatus.WITHDRAWN),
        ]

    def test_postponed_told_reversed_told_then_postponed_again_is_told_again(self, desk):
        booking = postponed_booking(desk)
        notices_generate(now=IN_WINDOW)
        mark_told(booking, desk)
        later = IN_WINDOW + dt.timedelta(minutes=5)
        desk.decide(Outcome.GOING_AHEAD, references=(booking.reference,), now=later)
        assert notices_generate(now=later).created[NoticeKind.GOING_AHEAD] == 1
        Notice.objects.filter(kind=NoticeKind.GOING_AHEAD).update(
            status=NoticeStatus.SENT, sent_at=later
        )
        latest = later + dt.timedelta(minutes=5)
        desk.decide(Outcome.POSTPONED, references=(booking.reference,), now=latest)
        assert notices_generate(now=latest).created[NoticeKind.POSTPONED] == 1
        assert Notice.objects.filter(kind=NoticeKind.POSTPONED, status="pending").count() == 1

    def test_an_unsent_notice_from_an_earlier_decision_is_never_sent_beside_the_new_one(self, desk):
        booking = postponed_booking(desk)
        notices_generate(now=IN_WINDOW)
        # Reversed and postponed again before any tick withdrew the first notice.
        desk.decide(Outcome.GOING_AHEAD, references=(booking.reference,), now=IN_WINDOW)
        later = IN_WINDOW + dt.timedelta(minutes=1)
        desk.decide(Outcome.POSTPONED, references=(booking.reference,), now=later)
        result = notices_generate(now=later)
        assert (result.withdrawn, result.created[NoticeKind.POSTPONED]) == (1, 1)

    def test_a_correction_goes_out_before_the_window_and_while_suspended(self, desk, national):
        booking = postponed_booking(desk)
        notices_generate(now=BEFORE_WINDOW, strike=desk.strike, early=True, actor=desk.ops)
        mark_told(booking, desk)
        desk.decide(Outcome.GOING_AHEAD, references=(booking.reference,), now=BEFORE_WINDOW)
        strike_suspend(strike=desk.strike, actor=national, now=BEFORE_WINDOW)
        assert notices_generate(now=BEFORE_WINDOW).created[NoticeKind.GOING_AHEAD] == 1

    def test_a_notice_that_timed_out_counts_as_possibly_told_at_call_off(self, desk, national):
        booking = postponed_booking(desk)
        notices_generate(now=IN_WINDOW)
        # The provider may have taken it before the request timed out: back in the queue.
        Notice.objects.update(attempts=1, last_error="Could not reach GOV.UK Notify")
        strike_call_off(strike=desk.strike, actor=national, now=IN_WINDOW)
        result = notices_generate(now=IN_WINDOW)
        assert result.created[NoticeKind.REINSTATED] == 1
        assert Notice.objects.get(kind=NoticeKind.POSTPONED).status == NoticeStatus.WITHDRAWN
        assert Notice.objects.get(kind=NoticeKind.REINSTATED).appointment == booking

    def test_a_second_new_date_gets_a_second_notice_and_the_first_is_not_sent(self, desk):
        booking = postponed_booking(desk)
        first_date = AFTER + dt.timedelta(days=20)
        appointment_reschedule(appointment=booking, starts_at=first_date, actor=desk.ops, at=AFTER)
        notices_generate(now=AFTER)
        second_date = first_date + dt.timedelta(days=7)
        appointment_reschedule(appointment=booking, starts_at=second_date, actor=desk.ops, at=AFTER)
        result = notices_generate(now=AFTER)
        assert (result.created[NoticeKind.RESCHEDULED], result.withdrawn) == (1, 1)
        pending = Notice.objects.get(kind=NoticeKind.RESCHEDULED, status=NoticeStatus.PENDING)
        assert pending.about == second_date
        assert pending.due_by == second_date
