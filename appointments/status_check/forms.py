"""The patient's question: a booking reference and a date of birth, checked for shape only.

Everything here is decided without the database, so a message about a malformed reference
or an impossible date says nothing about which bookings exist. Messages follow the NHS.UK
design system's wording for date inputs ("Date of birth must include a month").
"""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appointments.references import (
    ALPHABET,
    REFERENCE_LENGTH,
    is_well_formed_booking_reference,
    normalise_booking_reference,
)

DATE_PARTS = ("day", "month", "year")
# People type month names as often as numbers; the design system's date input accepts both.
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
MAX_TYPED_REFERENCE = 40
# Nobody checking an appointment today was born before this.
EARLIEST_BIRTH_YEAR = 1900


class _TypedField(forms.CharField):
    """Text as typed. A NUL character is noise (a pasted control character), dropped
    before Django's own "Null characters are not allowed" could reach a patient."""

    def to_python(self, value: object) -> str:
        return super().to_python(value).replace("\x00", "")


class StatusCheckForm(forms.Form):
    # No max_length: Django's own message for it is not written for patients; the
    # checks below refuse anything too long with the messages the design system uses.
    reference = _TypedField(required=False, strip=True)
    day = _TypedField(required=False, strip=True)
    month = _TypedField(required=False, strip=True)
    year = _TypedField(required=False, strip=True)

    def __init__(self, *args: object, today: dt.date | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.today = today or timezone.localdate()
        # Which of day, month and year to outline in red, as the design system asks.
        self.date_parts_in_error: set[str] = set()

    def clean_reference(self) -> str:
        raw = self.cleaned_data.get("reference", "")
        if not raw:
            raise forms.ValidationError(_("Enter your booking reference"), code="required")
        # People paste references with spaces and hyphens; anything far longer is not one.
        reference = normalise_booking_reference(raw[:MAX_TYPED_REFERENCE])
        if (
            len(raw) > MAX_TYPED_REFERENCE
            or len(reference) != REFERENCE_LENGTH
            or any(c not in ALPHABET for c in reference)
        ):
            raise forms.ValidationError(
                _(
                    "Booking reference must be 12 letters and numbers, like K7QM 3XDA 9RT2. "
                    "You can find it on your appointment letter, email or text message"
                ),
                code="invalid",
            )
        if not is_well_formed_booking_reference(reference):
            # The check character caught a typing mistake: no lookup is made at all.
            raise forms.ValidationError(
                _("Booking reference is not right. Check it against your letter, email or text"),
                code="invalid",
            )
        return reference

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        date_of_birth = self._date_of_birth(cleaned)
        if date_of_birth is not None:
            cleaned["date_of_birth"] = date_of_birth
        return cleaned

    def _date_of_birth(self, cleaned: dict) -> dt.date | None:
        parts = {part: cleaned.get(part, "") for part in DATE_PARTS}
        missing = [part for part in DATE_PARTS if not parts[part]]
        if len(missing) == len(DATE_PARTS):
            return self._date_error(_("Enter your date of birth"), DATE_PARTS, "required")
        if missing:
            messages = {
                ("day",): _("Date of birth must include a day"),
                ("month",): _("Date of birth must include a month"),
                ("year",): _("Date of birth must include a year"),
                ("day", "month"): _("Date of birth must include a day and month"),
                ("day", "year"): _("Date of birth must include a day and year"),
                ("month", "year"): _("Date of birth must include a month and year"),
            }
            return self._date_error(messages[tuple(missing)], missing, "incomplete")
        day, month, year = parts["day"], parts["month"], parts["year"]
        # Lengths first: int() of thousands of digits is refused by Python itself.
        too_long = [
            part
            for part, value, most in (("day", day, 2), ("month", month, 9))
            if len(value) > most
        ]
        if too_long:
            return self._date_error(_("Date of birth must be a real date"), too_long, "invalid")
        month_number = _MONTHS.get(month.lower())
        numbers_wrong = [
            part
            for part, value in (("day", day), ("year", year))
            if not (value.isascii() and value.isdigit())
        ]
        if month_number is None:
            if month.isascii() and month.isdigit():
                month_number = int(month)
            else:
                numbers_wrong.append("month")
        if numbers_wrong:
            return self._date_error(
                _("Date of birth must be a real date"), numbers_wrong, "invalid"
            )
        if len(year) != 4:
            return self._date_error(_("Year must include 4 numbers"), ["year"], "invalid")
        try:
            date_of_birth = dt.date(int(year), month_number, int(day))
        except ValueError:
            return self._date_error(_("Date of birth must be a real date"), DATE_PARTS, "invalid")
        if date_of_birth > self.today:
            return self._date_error(_("Date of birth must be in the past"), DATE_PARTS, "future")
        if date_of_birth.year < EARLIEST_BIRTH_YEAR:
            return self._date_error(
                _("Date of birth must be after %(year)s") % {"year": EARLIEST_BIRTH_YEAR - 1},
                ["year"],
                "invalid",
            )
        return date_of_birth

    def _date_error(self, message: str, parts: object, code: str) -> None:
        self.date_parts_in_error.update(parts)  # type: ignore[arg-type]
        self.add_error("day", forms.ValidationError(message, code=code))
        return None

    @property
    def date_of_birth_error(self) -> str | None:
        """The one date message the design system shows above the three inputs."""
        errors = self.errors.get("day")
        return errors[0] if errors else None

    @property
    def reference_error(self) -> str | None:
        errors = self.errors.get("reference")
        return errors[0] if errors else None
