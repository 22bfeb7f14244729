"""Identity numbers: resident ID (GB 11643-1999), unified social credit code (GB 32100-2015), masking.

One place for these so every app validates and masks the same way: lists, logs and
PDFs show an ID number only as `mask_id_number(...)` (first 6 + last 4).
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")

# GB 32100-2015: 18 characters over this alphabet (no I, O, Z, S, V).
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def resident_id_check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalise_id_number(value: str) -> str:
    return (value or "").strip().upper()


def validate_resident_id(value: str) -> str:
    """Return the normalised 18-digit resident ID or raise ValidationError saying what is wrong."""
    number = normalise_id_number(value)
    if not _ID_RE.match(number):
        raise ValidationError(_("居民身份证号码应为18位：前17位数字，末位数字或X。"), code="format")
    try:
        birth_date_from_id(number)
    except ValueError:
        raise ValidationError(_("居民身份证号码中的出生日期（第7–14位）不是有效日期。"), code="birth_date")
    if resident_id_check_digit(number[:17]) != number[17]:
        raise ValidationError(_("居民身份证号码校验位错误（GB 11643）。"), code="checksum")
    return number


def birth_date_from_id(number: str) -> dt.date:
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def sex_from_id(number: str) -> str:
    """'M' or 'F' from the 17th digit (odd = male)."""
    return "M" if int(number[16]) % 2 == 1 else "F"


def make_resident_id(area: str, birth: dt.date, sequence: int) -> str:
    """Build a valid resident ID (for demo data and tests): 6-digit area, birth date, 3-digit sequence."""
    first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_digit(first17)


def mask_id_number(value: str | None) -> str:
    """First 6 and last 4 shown, the rest as '*' (DESIGN: identity)."""
    if not value:
        return ""
    value = str(value)
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 2, 0)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def credit_code_check_char(first17: str) -> str:
    total = sum(
        _CREDIT_ALPHABET.index(char) * weight for char, weight in zip(first17, _CREDIT_WEIGHTS, strict=True)
    )
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> str:
    """Return the normalised unified social credit code or raise ValidationError."""
    code = (value or "").strip().upper()
    if not _CREDIT_RE.match(code):
        raise ValidationError(
            _("统一社会信用代码应为18位，由数字和大写字母组成（不含I、O、Z、S、V）。"), code="format"
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(_("统一社会信用代码校验位错误（GB 32100）。"), code="checksum")
    return code


def make_credit_code(first17: str) -> str:
    """Complete a 17-character body with its check character (demo data and tests)."""
    return first17 + credit_code_check_char(first17)
