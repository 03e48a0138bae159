"""Every write about strikes: its records, assessment, decisions, and the strike's life.

Import from here; the modules split the work by concern.
"""

from .assessment import Assessment, AssessmentRefused, ImpactCounts, strike_assess
from .decisions import DecisionRefused, DecisionResult, Selection, impacts_decide
from .lifecycle import (
    CallOffResult,
    StrikeMoveRefused,
    bookings_to_reinstate,
    strike_call_off,
    strike_call_off_preview,
    strike_complete,
    strike_confirm,
    strike_resume,
    strike_suspend,
)
from .records import (
    StrikeRecordForbidden,
    may_change_strikes,
    may_create_strikes,
    participation_upsert,
    staff_absence_upsert,
    strike_create,
    strike_move_to,
    strike_update,
)

__all__ = [
    "Assessment",
    "AssessmentRefused",
    "CallOffResult",
    "DecisionRefused",
    "DecisionResult",
    "ImpactCounts",
    "Selection",
    "StrikeMoveRefused",
    "StrikeRecordForbidden",
    "bookings_to_reinstate",
    "impacts_decide",
    "may_change_strikes",
    "may_create_strikes",
    "participation_upsert",
    "staff_absence_upsert",
    "strike_assess",
    "strike_call_off",
    "strike_call_off_preview",
    "strike_complete",
    "strike_confirm",
    "strike_create",
    "strike_move_to",
    "strike_resume",
    "strike_suspend",
    "strike_update",
]
