"""Replays what happened in a past strike through the same services staff use, so the
demo's history (impacts, decisions, events, status changes) is what StrikeDesk itself
would have written, and re-assessing it changes nothing.
"""

import datetime as dt
from typing import Any

from appointments.models import (
    Appointment,
    EventAction,
    Notice,
    NoticeStatus,
    Outcome,
    Patient,
    Status,
    StrikeImpact,
)
from appointments.notices import notices_generate
from appointments.services import appointments_move_status
from config.sql import refresh_planner_statistics
from strikes.models import Strike
from strikes.services import Selection, impacts_decide, strike_assess, strike_complete

from .bookings import Planned

DETAIL = {"source": "demo", "reported_by": "local news reports"}


def replay_strike(strike: Strike, planned: list[Planned], *, actor: Any) -> None:
    """Assess, decide the day before, rebook the postponed, record attendance, complete."""
    day_before = strike.starts_at - dt.timedelta(days=1)
    _assess_fresh(strike)
    postponed = [p for p in planned if p.fate in {"waiting", "rescheduled"}]
    impacts_decide(
        strike=strike,
        outcome=Outcome.POSTPONED,
        selection=Selection(references=tuple(_references(postponed))),
        actor=actor,
        now=day_before,
    )
    # Every other booking the strike put at risk went ahead.
    impacts_decide(
        strike=strike,
        outcome=Outcome.GOING_AHEAD,
        selection=Selection(),
        actor=actor,
        now=day_before,
    )
    _notices_went_out(strike, at=day_before, early=True)
    _rebook([p for p in postponed if p.fate == "rescheduled"], strike, actor)
    _notices_went_out(strike, at=strike.ends_at)
    for fate in (Status.ATTENDED, Status.DID_NOT_ATTEND):
        appointments_move_status(
            appointments=_bookings([p for p in planned if p.fate == fate]),
            to_status=fate,
            actor=None,
            detail=DETAIL,
            at=strike.ends_at,
        )
    strike_complete(strike=strike, actor=actor, now=strike.ends_at)


def _assess_fresh(strike: Strike) -> None:
    # The bookings were bulk-written moments ago in this transaction: give the planner
    # their numbers before the set-based assessment and decisions run over them.
    refresh_planner_statistics(Patient, Appointment)
    strike_assess(strike=strike)
    refresh_planner_statistics(StrikeImpact)


def decide_ahead(
    strike: Strike, postponed: tuple[tuple[str, str], ...], *, actor: Any, now: dt.datetime
) -> None:
    """An upcoming strike as a trust might have it a week out: assessed, with the routine
    bookings of a few services postponed and the rest still to decide. Its notices are
    left to the scheduler, so ``make run`` shows them going out."""
    _assess_fresh(strike)
    for trust, service in postponed:
        impacts_decide(
            strike=strike,
            outcome=Outcome.POSTPONED,
            selection=Selection(trust=trust, service=service, priority="routine"),
            actor=actor,
            now=now,
        )


def _notices_went_out(strike: Strike, *, at: dt.datetime, early: bool = False) -> None:
    """The notices the strike owed at ``at``, recorded as sent then: the demo's past is
    history, so nothing is sent again and the outbox holds only what happens live."""
    notices_generate(strike=strike, now=at, early=early)
    Notice.objects.filter(strike=strike, status=NoticeStatus.PENDING).update(
        status=NoticeStatus.SENT,
        sent_at=at,
        attempts=1,
        provider_reference="demo history",
        updated_at=at,
    )


def _rebook(rebooked: list[Planned], strike: Strike, actor: Any) -> None:
    """Give postponed bookings the new dates the reports say they got."""
    bookings = _bookings(rebooked)
    appointments_move_status(
        appointments=bookings,
        to_status=Status.RESCHEDULED,
        actor=actor,
        action=EventAction.RESCHEDULED,
        strike=strike,
        detail=DETAIL,
        at=strike.ends_at,
    )
    new_dates = {p.external_id: p.starts_at for p in rebooked}
    rows = list(bookings.only("pk", "external_id", "starts_at"))
    for row in rows:
        row.original_starts_at, row.starts_at = row.starts_at, new_dates[row.external_id]
    Appointment.objects.bulk_update(rows, ["original_starts_at", "starts_at"], batch_size=1000)


def _bookings(planned: list[Planned]):
    # Demo external ids carry the strike and trust, so they are unique on their own.
    return Appointment.objects.filter(external_id__in=[p.external_id for p in planned])


def _references(planned: list[Planned]) -> list[str]:
    return list(_bookings(planned).values_list("reference", flat=True))
