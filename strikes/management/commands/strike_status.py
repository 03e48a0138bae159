from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.errors import DomainError
from strikes.services import (
    strike_call_off,
    strike_call_off_preview,
    strike_complete,
    strike_confirm,
    strike_resume,
    strike_suspend,
)

from ..arguments import add_strike_argument, add_user_argument, strike_named, user_named

MOVES = {
    "confirm": strike_confirm,
    "suspend": strike_suspend,
    "resume": strike_resume,
    "complete": strike_complete,
}


class Command(BaseCommand):
    help = (
        "Move a strike through its life: confirm, suspend, resume, call-off (reinstating the "
        "bookings it postponed that are still ahead) or complete."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_strike_argument(parser)
        parser.add_argument("action", choices=[*MOVES, "call-off"])
        add_user_argument(parser)
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Call off without the preview (for scripts): the preview says how many "
            "bookings would be reinstated and changes nothing.",
        )

    def handle(self, *args: object, strike: str, action: str, user: str, yes: bool, **_: object):
        subject = strike_named(strike)
        actor = user_named(user)
        try:
            if action != "call-off":
                moved = MOVES[action](strike=subject, actor=actor)
                self.stdout.write(f"{moved} is now {moved.get_status_display().lower()}.")
                return
            if not yes:
                waiting = strike_call_off_preview(strike=subject, actor=actor)
                self.stdout.write(
                    f"Calling off {subject} would reinstate {waiting:,} postponed bookings "
                    "whose time is still ahead. Run again with --yes to do it."
                )
                return
            result = strike_call_off(strike=subject, actor=actor)
        except DomainError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{subject} is called off. {result.reinstated:,} bookings reinstated; their "
            "patients will be told their appointment goes ahead."
        )
        if result.still_postponed:
            self.stdout.write(
                f"{result.still_postponed:,} postponed bookings whose time has passed still "
                "need a new date."
            )
