"""Strike reports: per trust and per trust per day, published figures beside computed
ones, strikes compared, and NHS England's sitrep CSV (see ``sitrep`` for its columns).

Each function takes ``user`` and shows only the trusts that user may see; ``None`` is
national (the command line, used by an operator with shell access). Each runs a fixed
number of grouped queries whatever the number of bookings, and returns frozen
dataclasses.
"""

from .compare import StrikeComparison, StrikeTotals, strikes_compare
from .comparison import (
    ComparedStrike,
    StrikesCompared,
    comparison_csv,
    staff_absent_peaks,
    strikes_compared,
)
from .figures import DayRow, Figures, StaffCount, StrikeSummary, TrustRef
from .sitrep import Sitrep, SitrepRow, sitrep_csv, sitrep_rows
from .strike import Comparison, StrikeReport, TrustRow, strike_report

__all__ = [
    "ComparedStrike",
    "Comparison",
    "DayRow",
    "Figures",
    "Sitrep",
    "SitrepRow",
    "StaffCount",
    "StrikeComparison",
    "StrikeReport",
    "StrikeSummary",
    "StrikeTotals",
    "StrikesCompared",
    "TrustRef",
    "TrustRow",
    "comparison_csv",
    "sitrep_csv",
    "sitrep_rows",
    "staff_absent_peaks",
    "strike_report",
    "strikes_compare",
    "strikes_compared",
]
