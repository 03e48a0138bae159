"""FHIR R4 Appointment resources for bookings, read-only."""
