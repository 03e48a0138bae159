"""Booking references patients read aloud over the phone and type into the status page.

Twelve characters from Crockford's base 32 (no I, L, O or U, so nothing is mistaken for
1 or 0): eleven random characters, 55 bits from ``secrets``, too many to guess, and a
Luhn mod 32 check character that catches any single mistyped character and most swapped
neighbours before a lookup is even made. Shown in groups of four: ``K7QM-3XDA-9RT2``.
"""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 11
REFERENCE_LENGTH = RANDOM_LENGTH + 1
REFERENCE_PATTERN = rf"\A[{ALPHABET}]{{{REFERENCE_LENGTH}}}\Z"
_CODE_POINT = {char: index for index, char in enumerate(ALPHABET)}
# What people write for the letters the alphabet leaves out.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _luhn_mod32_check(body: str) -> str:
    base = len(ALPHABET)
    factor = 2
    total = 0
    for char in reversed(body):
        addend = factor * _CODE_POINT[char]
        total += addend // base + addend % base
        factor = 1 if factor == 2 else 2
    return ALPHABET[(base - total % base) % base]


def new_booking_reference() -> str:
    # 256 is a multiple of the alphabet's 32, so each byte's remainder is uniform: one
    # call for the randomness instead of eleven (an import makes thousands a second).
    body = "".join(ALPHABET[byte % len(ALPHABET)] for byte in secrets.token_bytes(RANDOM_LENGTH))
    return with_check_character(body)


def with_check_character(body: str) -> str:
    """``body`` (eleven characters of the alphabet) completed into a booking reference."""
    return body + _luhn_mod32_check(body)


def normalise_booking_reference(raw: str) -> str:
    """Upper-case, drop spaces and hyphens, read O as 0 and I or L as 1."""
    return re.sub(r"[\s-]", "", raw or "").upper().translate(_READ_AS)


def is_well_formed_booking_reference(reference: str) -> bool:
    if not re.fullmatch(REFERENCE_PATTERN, reference or ""):
        return False
    return _luhn_mod32_check(reference[:-1]) == reference[-1]


def format_booking_reference(reference: str) -> str:
    return "-".join(reference[i : i + 4] for i in range(0, len(reference), 4))
