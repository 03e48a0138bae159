"""The public status page: a patient checks a booking by reference and date of birth.

ADR 006 explains the design.
"""
