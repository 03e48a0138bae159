"""NHS numbers: ten digits, the last a Modulus 11 check digit.

The check digit is 11 minus the remainder of the first nine digits weighted 10 down to
2, divided by 11; 11 becomes 0, and 10 means the number was never issued. Numbers of
one digit repeated ten times pass that arithmetic in some cases but are never issued.
"""

import re

from django.core.exceptions import ValidationError

NHS_NUMBER_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
REPEATED_DIGIT_NUMBERS = tuple(str(d) * 10 for d in range(10))
# ASCII only: \d would also accept full-width and other scripts' digits.
_TEN_DIGITS = re.compile(r"[0-9]{10}")


def nhs_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or ``None`` when no valid number can start so."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first_nine, NHS_NUMBER_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise_nhs_number(raw: str) -> str:
    """Strip the spaces and hyphens people type (``943 476 5919``)."""
    return re.sub(r"[\s-]", "", raw or "")


def is_valid_nhs_number(value: str) -> bool:
    if not _TEN_DIGITS.fullmatch(value or "") or value in REPEATED_DIGIT_NUMBERS:
        return False
    return nhs_check_digit(value[:9]) == int(value[9])


def validate_nhs_number(value: str) -> None:
    if not _TEN_DIGITS.fullmatch(value or ""):
        raise ValidationError("An NHS number is 10 digits, like 943 476 5919.", code="format")
    if not is_valid_nhs_number(value):
        raise ValidationError(
            "This is not a valid NHS number: check the digits.", code="check_digit"
        )
