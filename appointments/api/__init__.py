"""REST API for bookings: list, read, change, reschedule, import; and notices."""
