"""Identifier checks: NHS numbers and CQC IDs."""

from __future__ import annotations

import operator
import re

_NHS_SEPARATORS = re.compile(r"[\s\-]")
# [0-9] not isdigit(): "²" and "٣" are digits to Python but not in an NHS number.
_NHS_TEN_DIGITS = re.compile(r"[0-9]{10}")
_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)  # Modulus 11: the first digit weighs 10, the ninth 2
_CQC_ID = re.compile(r"^1-\d{8,11}$")
# CQC registers NHS bodies under their ODS codes: the trust's 3-character code as the provider (RX3,
# TAD) and a 5-character site code as the location (RX3LD). ODS codes for NHS organisations begin with
# a letter, which keeps typos of the '1-' form (12345) from passing as one.
_ODS_CODE = {"provider": re.compile(r"^[A-Z][A-Z0-9]{2}$"), "location": re.compile(r"^[A-Z][A-Z0-9]{4}$")}
_ODS_EXAMPLE = {"provider": "RX3, an NHS trust's 3-character ODS code",
                "location": "RX3LD, an NHS site's 5-character ODS code"}


class BadIdentifier(ValueError):
    """An identifier that fails its format or check; the message says what is wrong."""


def normalise_nhs_number(text: str) -> str:
    """Return the 10-digit NHS number, or raise BadIdentifier saying why not.

    Spaces and dashes are allowed ("943 476 5919", "943-476-5919"). The last digit is the
    Modulus 11 check digit (NHS Data Dictionary, "NHS Number").
    """
    digits = _NHS_SEPARATORS.sub("", str(text))
    if not _NHS_TEN_DIGITS.fullmatch(digits):
        raise BadIdentifier(f"NHS number {text!r} must be 10 digits")
    if digits == "0000000000":  # passes Modulus 11, but it is what a list puts when it has no number
        raise BadIdentifier(f"NHS number {text!r} is a placeholder, not a real number; leave it blank if unknown")
    if nhs_check_digit(digits[:9]) != digits[9]:
        raise BadIdentifier(f"NHS number {text!r} fails its check digit (Modulus 11); check for a typo")
    return digits


def nhs_check_digit(first_nine: str) -> str | None:
    """The Modulus 11 check digit for the first nine digits of an NHS number, or None where there is none
    (a remainder of 10: no number is issued with those nine digits)."""
    total = sum(map(operator.mul, map(int, first_nine), _NHS_WEIGHTS))
    check = (11 - total % 11) % 11
    return None if check == 10 else str(check)


def format_nhs_number(digits: str) -> str:
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def check_cqc_id(text: str, *, what: str = "CQC ID", kind: str | None = None) -> str:
    """A CQC provider or location ID: 1-101234567 for most providers, or an ODS code for an NHS body
    (`kind` "provider": RX3; "location": RX3LD; None: either). Returned stripped and in upper case."""
    value = str(text).strip().upper()
    kinds = ("provider", "location") if kind is None else (kind,)
    if _CQC_ID.match(value) or any(_ODS_CODE[k].match(value) for k in kinds):
        return value
    forms = " or ".join(_ODS_EXAMPLE[k] for k in kinds)
    raise BadIdentifier(f"{what} {text!r} should look like 1-101234567 ('1-' then 8 to 11 digits) or {forms}")


def check_cqc_provider_id(text: str) -> str:
    return check_cqc_id(text, what="CQC provider ID", kind="provider")


def check_cqc_location_id(text: str) -> str:
    return check_cqc_id(text, what="CQC location ID", kind="location")
