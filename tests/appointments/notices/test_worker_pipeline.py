"""Patient notices through a real Celery worker: the scheduler's tick generates them and
starts dispatch, which writes them to the outbox; asking again changes nothing.

The worker is a prefork process on Redis against pytest-django's PostgreSQL test database
(``tests/workers.py``), so everything it must see is committed (``transactional_db``). The
strike is placed relative to the real clock, because the worker's tasks read it.
"""

import datetime as dt
from pathlib import Path
from typing import cast

import pytest
from django.db import connection, transaction
from django.db.models import Count, Model
from django.utils import timezone

from appointments.models import (
    Appointment,
    Channel,
    Notice,
    NoticeKind,
    NoticeStatus,
    Outcome,
    Patient,
    StrikeImpact,
)
from appointments.references import format_booking_reference
from appointments.tasks import notices_generate_for_strike, notices_tick
from strikes.models import Strike
from tests.factories import next_valid_nhs_number
from tests.strikes.desk import Desk
from tests.workers import Worker, WorkerFailed, results_on_redis, running_worker
from trusts.models import Service

from .people import ADDRESS, LANDLINE, MOBILE, patient

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

SENT_BY_BACKEND = (Channel.SMS, Channel.EMAIL, Channel.LETTER)


def open_notice_window_now(desk: Desk) -> dt.datetime:
    """Move the desk's strike so its notice window is open on the real clock: it starts in
    two days, for two days, and notices go out from three days before. Returns the start."""
    starts_at = timezone.now() + dt.timedelta(days=2)
    Strike.objects.filter(pk=desk.strike.pk).update(
        starts_at=starts_at, ends_at=starts_at + dt.timedelta(days=2), notice_lead_days=3
    )
    desk.refresh()
    return starts_at


def book_reachable(desk: Desk, count: int, *, at: dt.datetime) -> None:
    """``count`` bookings at trust A from ``at`` on, in a few statements, for patients who
    can be reached by text, email and letter; they prefer each in turn."""
    patients = Patient.objects.bulk_create(
        Patient(
            nhs_number=next_valid_nhs_number(),
            given_name="Sam",
            family_name=f"Worker{n}",
            date_of_birth=dt.date(1980, 1, 1),
            preferred_channel=SENT_BY_BACKEND[n % len(SENT_BY_BACKEND)],
            phone=MOBILE,
            email=f"patient{n}@example.com",
            address=ADDRESS,
            postcode="NR4 7UY",
        )
        for n in range(count)
    )
    Appointment.objects.bulk_create(
        Appointment(
            external_id=f"WORKER-{n}",
            patient=person,
            trust=desk.trust,
            site=desk.site,
            service=cast(Service, desk.clinic),  # a factory's product, to the type checker
            kind="outpatient",
            starts_at=at + dt.timedelta(minutes=n % 600),
        )
        for n, person in enumerate(patients)
    )
    analyze(Patient, Appointment)


def postpone_all(desk: Desk) -> int:
    """Assess the strike and postpone every at-risk booking at trust A, now."""
    desk.assess()
    analyze(StrikeImpact)
    changed = desk.decide(Outcome.POSTPONED, trust=desk.trust.ods_code, now=timezone.now())
    analyze(Appointment, StrikeImpact)
    return changed.changed


def analyze(*models: type[Model]) -> None:
    """Refresh PostgreSQL's statistics, as autovacuum would soon after a bulk change.

    Without them the planner takes thousands of rows for none or the wrong ones: on 5,000
    bookings a decision then takes 14 s instead of 0.4 s, and claiming a batch of notices
    1.5 s instead of 25 ms.
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(model._meta.db_table for model in models))


def sent_count() -> int:
    return Notice.objects.filter(status=NoticeStatus.SENT).count()


def outbox_env(outbox: Path, **more: str) -> dict[str, str]:
    return {"STRIKEDESK_NOTICE_BACKEND": "outbox", "STRIKEDESK_OUTBOX_DIR": str(outbox), **more}


def test_the_tick_generates_notices_and_the_worker_sends_them_once(
    transactional_db: None, tmp_path: Path
) -> None:
    desk = Desk()
    starts_at = open_notice_window_now(desk)
    book_reachable(desk, 6, at=starts_at + dt.timedelta(hours=3))
    by_phone = desk.book(at=starts_at + dt.timedelta(hours=4), patient=patient(phone=LANDLINE))
    assert postpone_all(desk) == 7
    outbox = tmp_path / "outbox"

    with (
        results_on_redis(notices_tick) as results,
        running_worker(tmp_path, env=outbox_env(outbox), result_backend=results) as worker,
    ):
        first = notices_tick.apply_async(queue=worker.queue, ignore_result=False)
        summary = worker.wait_for(first)
        first.forget()
        assert summary == {
            "swept": 0,
            "created": 7,
            "withdrawn": 0,
            "overdue": 0,
            "dispatchers": 2,
        }
        worker.wait_until(lambda: sent_count() == 6, what="6 notices are sent", timeout=60)

        notices = Notice.objects.select_related("appointment")
        assert notices.count() == 7
        assert {n.kind for n in notices} == {NoticeKind.POSTPONED}
        call = notices.get(appointment=by_phone)
        assert (call.channel, call.status) == (Channel.PHONE, NoticeStatus.PENDING), (
            "a phone call is made by staff, never by the worker"
        )
        files = sorted(outbox.rglob("*.txt"))
        assert len(files) == 6, files
        for notice in notices.exclude(channel=Channel.PHONE):
            assert notice.status == NoticeStatus.SENT
            path = outbox / notice.channel / f"notice-{notice.pk}-postponed.txt"
            assert path in files
            text = path.read_text()
            assert "Do not attend" in text
            assert format_booking_reference(notice.appointment.reference) in text
        assert {notice.channel for notice in notices} == {*SENT_BY_BACKEND, Channel.PHONE}
        written = {path: path.stat().st_mtime_ns for path in files}

        again = notices_tick.apply_async(queue=worker.queue, ignore_result=False)
        summary = worker.wait_for(again)
        again.forget()
        # Nothing new, and no dispatcher: only the phone call is pending, which none sends.
        assert summary == {
            "swept": 0,
            "created": 0,
            "withdrawn": 0,
            "overdue": 0,
            "dispatchers": 0,
        }
        assert Notice.objects.count() == 7
        assert sent_count() == 6
        assert {path: path.stat().st_mtime_ns for path in outbox.rglob("*.txt")} == written


def _waiting_for_locks() -> int:
    """Sessions on this database waiting for a lock (row, transaction or advisory)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # activity is cached per transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_generation_asked_for_twice_at_once_creates_each_notice_once(
    transactional_db: None, tmp_path: Path
) -> None:
    """Two workers' processes generate the same strike's notices in overlapping
    transactions: the unique constraint, not a check in Python, keeps it to one each.

    The test holds the strike's row locked while both tasks start, so that neither can
    finish before the other has begun: it lets go only once both are waiting in the
    database (inserting a notice checks its strike exists, which waits for the lock; or
    the second waits for the first's uncommitted notices).
    """
    desk = Desk()
    starts_at = open_notice_window_now(desk)
    count = 300
    book_reachable(desk, count, at=starts_at + dt.timedelta(hours=3))
    assert postpone_all(desk) == count
    # Nothing sent: this test is about generation alone.
    env = outbox_env(tmp_path / "outbox", STRIKEDESK_NOTICE_DISPATCHERS="0")

    with (
        results_on_redis(notices_generate_for_strike) as results,
        running_worker(tmp_path, env=env, concurrency=2, result_backend=results) as worker,
    ):
        with transaction.atomic():
            Strike.objects.select_for_update().get(pk=desk.strike.pk)
            asked = [
                notices_generate_for_strike.apply_async(
                    (desk.strike.pk,), queue=worker.queue, ignore_result=False
                )
                for _ in range(2)
            ]
            _until_both_wait(worker)
        created = [cast(dict[str, int], worker.wait_for(result)) for result in asked]
        for result in asked:
            result.forget()

    assert sum(made.get(NoticeKind.POSTPONED, 0) for made in created) == count, created
    assert Notice.objects.count() == count
    per_booking = Notice.objects.values("appointment").annotate(n=Count("pk"))
    assert {row["n"] for row in per_booking} == {1}


def _until_both_wait(worker: Worker) -> None:
    try:
        worker.wait_until(
            lambda: _waiting_for_locks() >= 2,
            what="both generation tasks are waiting in the database",
            timeout=60,
        )
    except WorkerFailed as failure:
        pytest.fail(f"{failure}; sessions waiting: {_waiting_for_locks()}")
