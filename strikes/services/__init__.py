"""Every write about strikes: assessment, decisions, and the strike's life.

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

__all__ = [
    "Assessment",
    "AssessmentRefused",
    "CallOffResult",
    "DecisionRefused",
    "DecisionResult",
    "ImpactCounts",
    "Selection",
    "StrikeMoveRefused",
    "bookings_to_reinstate",
    "impacts_decide",
    "strike_assess",
    "strike_call_off",
    "strike_call_off_preview",
    "strike_complete",
    "strike_confirm",
    "strike_resume",
    "strike_suspend",
]
