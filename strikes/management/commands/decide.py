import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from appointments.models import Outcome
from config.errors import DomainError
from strikes.services import Selection, impacts_decide

from ..arguments import add_strike_argument, add_user_argument, strike_named, user_named

FILTERS = ("trust", "site", "service", "kind", "date", "priority", "current_outcome")


class Command(BaseCommand):
    help = (
        "Postpone at-risk bookings of a strike, or let them go ahead: named by booking "
        "reference, or every undecided booking matching a filter."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_strike_argument(parser)
        add_user_argument(parser)
        outcome = parser.add_mutually_exclusive_group(required=True)
        outcome.add_argument(
            "--postpone", action="store_const", const=Outcome.POSTPONED, dest="outcome"
        )
        outcome.add_argument(
            "--go-ahead", action="store_const", const=Outcome.GOING_AHEAD, dest="outcome"
        )
        parser.add_argument(
            "--reference", action="append", default=[], help="A booking reference (repeatable)."
        )
        parser.add_argument(
            "--references-file",
            type=Path,
            help="A file of booking references, one per line.",
        )
        parser.add_argument("--trust", help="ODS code, e.g. RM1.")
        parser.add_argument("--site", help="Site code, e.g. RM102.")
        parser.add_argument("--service", help="Service code, e.g. ophthalmology.")
        parser.add_argument("--kind", choices=["outpatient", "inpatient", "day_case"])
        parser.add_argument(
            "--date", type=dt.date.fromisoformat, help="Strike day (YYYY-MM-DD, UK time)."
        )
        parser.add_argument("--priority", choices=["urgent", "cancer", "soon", "routine"])
        parser.add_argument(
            "--current-outcome",
            choices=[Outcome.POSTPONED, Outcome.GOING_AHEAD],
            help="Change bookings already decided this way (before the strike starts).",
        )
        parser.add_argument(
            "--all",
            action="store_true",
            help="Decide every undecided booking of the strike you may decide.",
        )

    def handle(self, *args: object, **options: object) -> None:
        strike = strike_named(str(options["strike"]))
        actor = user_named(str(options["user"]))
        selection = self._selection(options)
        try:
            result = impacts_decide(
                strike=strike, outcome=str(options["outcome"]), selection=selection, actor=actor
            )
        except DomainError as error:
            raise CommandError(str(error)) from None
        label = Outcome(result.outcome).label.lower()
        self.stdout.write(f"{result.changed:,} bookings marked {label} (batch {result.batch_id}).")
        if result.unchanged:
            self.stdout.write(f"{result.unchanged:,} already were.")
        if result.skipped_exempt:
            self.stdout.write(f"{result.skipped_exempt:,} exempt bookings left to go ahead.")
        if result.skipped_locked:
            self.stdout.write(
                f"{result.skipped_locked:,} left as they were: decided the other way "
                "(use --current-outcome to change them) or too late to decide."
            )

    def _selection(self, options: dict) -> Selection:
        references = list(options["reference"])
        if options["references_file"] is not None:
            try:
                text = options["references_file"].read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise CommandError(f"Cannot read the references file: {error}") from None
            references += [line.strip() for line in text.splitlines() if line.strip()]
        filters = {name: options[name] for name in FILTERS if options[name] is not None}
        if not references and not filters and not options["all"]:
            raise CommandError(
                "Name the bookings: --reference/--references-file, a filter (--trust, "
                "--site, --service, --kind, --date, --priority), or --all."
            )
        if options["all"] and (references or filters):
            raise CommandError("--all cannot be combined with references or filters.")
        if "date" in filters:
            filters["day"] = filters.pop("date")
        return Selection(references=tuple(references), **filters)
