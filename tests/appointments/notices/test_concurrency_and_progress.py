"""Two workers at once, and the counts staff watch."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from appointments.models import Notice, NoticeKind, NoticeStatus, Outcome, Patient
from appointments.notices import notices_claim, notices_generate
from appointments.notices.progress import notice_progress
from tests.factories import MembershipFactory
from tests.strikes.desk import Desk
from trusts.models import Membership

from .conftest import IN_WINDOW
from .people import LANDLINE, MOBILE, patient, reachable_by_everything


def at_the_same_moment(work: Callable[[], object], copies: int = 2) -> list[object]:
    """Run ``work`` in ``copies`` threads, each on its own database connection, released
    together; returns each result (or the exception it raised)."""
    start = threading.Barrier(copies)
    results: list[object] = [None] * copies

    def run(slot: int) -> None:
        try:
            start.wait(timeout=10)
            results[slot] = work()
        except Exception as error:  # the test reports it
            results[slot] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def postponed_bulk(desk: Desk, count: int) -> None:
    desk.book_many(count)
    desk.assess()
    desk.decide(Outcome.POSTPONED, trust=desk.trust.ods_code)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_generations_at_once_create_each_notice_once():
    desk = Desk()
    postponed_bulk(desk, 300)
    results = at_the_same_moment(lambda: notices_generate(now=IN_WINDOW))
    assert not [r for r in results if isinstance(r, Exception)], results
    created = sum(r.created[NoticeKind.POSTPONED] for r in results)  # type: ignore[union-attr]
    assert created == 300
    assert Notice.objects.count() == 300


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_once_never_take_the_same_notice():
    desk = Desk()
    postponed_bulk(desk, 200)
    Patient.objects.update(phone=MOBILE)  # texts, which workers send (calls wait for staff)
    notices_generate(now=IN_WINDOW)
    results = at_the_same_moment(lambda: notices_claim(limit=150, now=IN_WINDOW))
    first, second = results
    assert isinstance(first, list), results
    assert isinstance(second, list), results
    assert not set(first) & set(second)
    assert len(first) + len(second) == 200
    assert Notice.objects.filter(status=NoticeStatus.SENDING).count() == 200


def test_progress_counts_by_kind_channel_status_and_overdue(desk, national):
    bookings = [
        desk.book(patient=reachable_by_everything()),
        desk.book(patient=reachable_by_everything()),
        desk.book(patient=patient(phone=LANDLINE)),
        desk.book(site=desk.other_site, patient=reachable_by_everything()),
    ]
    desk.assess()
    desk.decide(Outcome.POSTPONED, references=tuple(b.reference for b in bookings), actor=national)
    notices_generate(now=IN_WINDOW)
    Notice.objects.filter(appointment=bookings[0]).update(
        status=NoticeStatus.SENT, sent_at=IN_WINDOW
    )

    everything = notice_progress(strike=desk.strike, now=IN_WINDOW)
    assert everything.total == 4
    assert everything.by_kind == {NoticeKind.POSTPONED: 4}
    assert everything.by_channel == {"sms": 3, "phone": 1}
    assert everything.by_status == {NoticeStatus.SENT: 1, NoticeStatus.PENDING: 3}
    assert everything.overdue == 0

    after_deadline = notice_progress(strike=desk.strike, now=desk.strike.starts_at)
    assert after_deadline.overdue == 3, "every unsent notice is overdue once the strike starts"

    viewer = MembershipFactory(trust=desk.trust, role=Membership.Role.VIEWER).user
    own_trust = notice_progress(strike=desk.strike, user=viewer, now=IN_WINDOW)
    assert own_trust.total == 3, "staff count only their own trusts' notices"
