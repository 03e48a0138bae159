from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from appointments.notices import notices_dispatch, notices_generate, notices_sweep_stuck
from appointments.notices.progress import notice_progress
from config.errors import DomainError
from strikes.management.arguments import add_strike_argument, strike_named, user_named


class Command(BaseCommand):
    help = (
        "Patient notices by hand. The scheduler does all of this every minute; these are "
        "for sending one strike's notices before its window opens, for sending without a "
        "worker, and for reading progress."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        generate = actions.add_parser(
            "generate", help="Create the notices now owed (for one strike, or every strike)."
        )
        generate.add_argument("strike", nargs="?", help="The strike's id (UUID) or exact title.")
        generate.add_argument(
            "--early",
            action="store_true",
            help="Do not wait for the strike's notice window to open (needs the strike).",
        )
        generate.add_argument(
            "--user",
            help="Username of the member of staff asking (their trusts only); "
            "without it, every trust, as the scheduler does.",
        )
        actions.add_parser(
            "send", help="Send what is ready in this process, then return (no worker needed)."
        )
        progress = actions.add_parser("progress", help="Counts by kind, channel and status.")
        add_strike_argument(progress)

    def handle(self, *args: object, action: str, **options: object) -> None:
        try:
            getattr(self, f"_{action}")(**options)
        except DomainError as error:
            raise CommandError(str(error)) from None

    def _generate(self, *, strike: str | None, early: bool, user: str | None, **_: object) -> None:
        if early and not strike:
            raise CommandError("--early needs the strike whose notices to send.")
        result = notices_generate(
            strike=strike_named(strike) if strike else None,
            early=early,
            actor=user_named(user) if user else None,
        )
        for kind, count in result.created.items():
            self.stdout.write(f"{kind:<12} {count:>8,} created")
        if result.withdrawn:
            self.stdout.write(f"{result.withdrawn:,} notices no longer true were withdrawn.")
        self.stdout.write("Run `manage.py notices send`, or let the workers send them.")

    def _send(self, **_: object) -> None:
        swept = notices_sweep_stuck(now=timezone.now())
        result = notices_dispatch()
        self.stdout.write(
            f"Sent {result.sent:,}; {result.retrying:,} to try again later; "
            f"{result.failed:,} failed." + (f" {swept:,} stuck notices returned." if swept else "")
        )

    def _progress(self, *, strike: str, **_: object) -> None:
        subject = strike_named(strike)
        progress = notice_progress(strike=subject)
        self.stdout.write(f"{subject}: {progress.total:,} notices, {progress.overdue:,} overdue")
        for title, counts in (
            ("by kind", progress.by_kind),
            ("by channel", progress.by_channel),
            ("by status", progress.by_status),
        ):
            self.stdout.write(f"  {title}")
            for key, count in sorted(counts.items()):
                self.stdout.write(f"    {key:<12} {count:>8,}")
