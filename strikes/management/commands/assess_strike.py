import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.errors import DomainError
from strikes.services import strike_assess

from ..arguments import add_strike_argument, counts_table, strike_named


class Command(BaseCommand):
    help = (
        "Find every booking the strike touches and mark it exempt or at risk; run again "
        "after participation, window, exemptions or bookings change to reconcile."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_strike_argument(parser)
        parser.add_argument(
            "--dry-run", action="store_true", help="Show the counts without writing anything."
        )

    def handle(self, *args: object, strike: str, dry_run: bool, **options: object) -> None:
        subject = strike_named(strike)
        started = time.monotonic()

        def progress(message: str) -> None:
            self.stdout.write(f"[{time.monotonic() - started:6.1f}s] {message}")

        try:
            result = strike_assess(
                strike=subject, dry_run=dry_run, dimensions=("trust",), progress=progress
            )
        except DomainError as error:
            raise CommandError(str(error)) from None
        self.stdout.write("")
        self.stdout.write(f"{subject} ({'dry run, nothing written' if dry_run else 'assessed'})")
        for line in counts_table("trust", {**result.by["trust"], "total": result.totals}):
            self.stdout.write(line)
        changes = (
            f"{result.added:,} added, {result.removed:,} removed, "
            f"{result.reclassified:,} re-labelled, {result.moved:,} moved within the window"
        )
        self.stdout.write(f"\n{changes}{' (if run for real)' if dry_run else ''}.")
        if result.decided_outside:
            self.stdout.write(
                self.style.WARNING(
                    f"{result.decided_outside:,} decided bookings no longer meet the strike's "
                    "rules (trust dropped out, service or window changed); their decisions "
                    "stand until staff change them: " + ", ".join(result.decided_outside_references)
                )
            )
