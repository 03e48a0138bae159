import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from demo.builder import DEMO_PASSWORD, DEMO_USERS, demo_strike_id, load_demo, reset_demo
from demo.status_checks import status_check_examples
from strikes.models import Strike


class Command(BaseCommand):
    help = (
        "Load the demo: the Norfolk and Hampshire trusts, strikes A-D from the news reports, "
        "synthetic bookings and three demo users. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Remove the demo's strikes, bookings and patients first, and place the "
            "strikes again relative to today.",
        )
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            help="Load as if today were this date (YYYY-MM-DD).",
        )

    def handle(self, *args: object, reset: bool, today: dt.date | None, **options: object) -> None:
        if not settings.STRIKEDESK_DEMO_ALLOWED:
            raise CommandError(
                "The demo is refused on this deployment (STRIKEDESK_DEMO_ALLOWED is off): "
                "it creates users with a published password."
            )
        today = today or timezone.localdate()
        if reset:
            reset_demo()
            self.stdout.write("Removed the previous demo strikes, bookings and patients.")
        self.stdout.write(f"Loading the demo as of {today:%A %d %B %Y}...")
        counts = load_demo(today=today, say=self.stdout.write)
        self.stdout.write(
            ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in counts.items())
        )
        strike_b = Strike.objects.get(public_id=demo_strike_id("B"))
        if strike_b.starts_at < timezone.now():
            self.stdout.write(
                self.style.WARNING(
                    "Strike B has already started: run `manage.py load_demo --reset` to move the "
                    "demo's strikes relative to today."
                )
            )
        self.stdout.write(self.style.SUCCESS(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):"))
        for username, _, _, what in DEMO_USERS:
            self.stdout.write(f"  {username:<12} {what}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Patient status page ({settings.STRIKEDESK_PUBLIC_URL.rstrip('/')}/check/): "
                "try these booking references and dates of birth:"
            )
        )
        for example in status_check_examples():
            self.stdout.write(f"  {example}")
