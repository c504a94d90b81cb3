"""Identifier checks: NHS numbers and CQC IDs."""

from __future__ import annotations

import re

_CQC_ID = re.compile(r"^1-\d{8,11}$")


class BadIdentifier(ValueError):
    """An identifier that fails its format or check; the message says what is wrong."""


def normalise_nhs_number(text: str) -> str:
    """Return the 10-digit NHS number, or raise BadIdentifier saying why not.

    Spaces and dashes are allowed ("943 476 5919", "943-476-5919"). The last digit is the
    Modulus 11 check digit (NHS Data Dictionary, "NHS Number").
    """
    digits = re.sub(r"[\s\-]", "", str(text))
    if not digits.isdigit() or len(digits) != 10:
        raise BadIdentifier(f"NHS number {text!r} must be 10 digits")
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10 or check != int(digits[9]):
        raise BadIdentifier(f"NHS number {text!r} fails its check digit (Modulus 11); check for a typo")
    return digits


def format_nhs_number(digits: str) -> str:
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def check_cqc_id(text: str, *, what: str = "CQC ID") -> str:
    """CQC provider and location IDs look like 1-101234567."""
    value = str(text).strip()
    if not _CQC_ID.match(value):
        raise BadIdentifier(f"{what} {text!r} should look like 1-101234567 ('1-' then 8 to 11 digits)")
    return value
