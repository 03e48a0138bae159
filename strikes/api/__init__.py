"""REST API for strikes: the records (strikes, participation, staff out) and the
operations on them (assess, decide, call off, report, notices)."""
