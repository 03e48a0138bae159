"""StrikeDesk's benchmarks: national-scale data, each hot path timed beside its floor.

Run with ``make bench`` (PostgreSQL and Redis required); README.md's "Benchmarks" section
says what each scenario measures and what it must reach. Not part of the test suite,
except for a small smoke run (tests/bench/) that keeps it from rotting.
"""
