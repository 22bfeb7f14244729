"""Identity numbers: resident ID (GB 11643-1999), unified social credit code (GB 32100-2015), masking.

The checksums and the birth date come from python-stdnum (`stdnum.cn.ric`, `stdnum.cn.uscc`);
this module adds what it lacks: Chinese messages a clerk can act on, masking, and builders
for demo data and tests. Permits (foreigners, HK/Macao/Taiwan residents) carry no checksum:
the person model takes their number as typed and asks for birth date and sex.
Lists, logs and PDFs show an ID number only as `mask_id_number(...)` (first 6 + last 4).
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as NumberError

_ID_RE = re.compile(r"^\d{17}[\dX]$")
# GB 32100-2015: 18 characters over 0-9 and A-Z without I, O, Z, S, V; the two registry
# characters may be letters, which stdnum's validate() does not accept, so the format is checked here.
_CREDIT_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def resident_id_check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    return ric.calc_check_digit(first17 + "0")  # stdnum expects the number with a check position


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
    if ric.calc_check_digit(number) != number[17]:
        raise ValidationError(_("居民身份证号码校验位错误（GB 11643）。"), code="checksum")
    return number


def birth_date_from_id(number: str) -> dt.date:
    """Birth date in digits 7–14; ValueError if it is not a date."""
    try:
        return ric.get_birth_date(number)
    except NumberError as error:
        raise ValueError(number) from error


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
    """The GB 32100 check character for the first 17 characters."""
    return uscc.calc_check_digit(first17)


def validate_credit_code(value: str) -> str:
    """Return the normalised unified social credit code or raise ValidationError."""
    code = (value or "").strip().upper()
    if not _CREDIT_RE.match(code):
        raise ValidationError(
            _("统一社会信用代码应为18位，由数字和大写字母组成（不含I、O、Z、S、V）。"), code="format"
        )
    if uscc.calc_check_digit(code[:17]) != code[17]:
        raise ValidationError(_("统一社会信用代码校验位错误（GB 32100）。"), code="checksum")
    return code


def make_credit_code(first17: str) -> str:
    """Complete a 17-character body with its check character (demo data and tests)."""
    return first17 + credit_code_check_char(first17)
