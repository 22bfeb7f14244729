"""Money arithmetic (settlement-rules.md §1): Decimal yuan, two places, ROUND_HALF_UP once per component."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal("0.00")
# Plain decimal notation in ASCII digits: no exponent, no digit separators, no full-width digits.
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?").fullmatch
CENT = Decimal("0.01")
# The largest amount a money column holds: numeric(14,2) (DESIGN.md: DecimalField(max_digits=14, decimal_places=2)).
MAX_AMOUNT = Decimal("999999999999.99")


def round_yuan(amount: Decimal) -> Decimal:
    """Round a computed component to the fen (分), half up."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(value, field: str = "amount") -> Decimal:
    """A money amount from input: a decimal string (or int/Decimal), >= 0, at most two places.

    Raises ValueError with a message naming the problem; callers attach the field name.
    Floats are refused: they cannot carry an exact amount.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError('应为字符串形式的金额（如 "12.34"），不接受浮点数')
    if value is None or value == "":
        raise ValueError("金额不能为空")
    text = str(value).strip()
    if isinstance(value, str) and not _DECIMAL_TEXT(text):
        raise ValueError(f'不是有效的金额: {value!r}（应为如 "12.34" 的十进制数）')
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"不是有效的金额: {value!r}")
    if not amount.is_finite():
        raise ValueError(f"不是有效的金额: {value!r}")
    if amount < 0:
        raise ValueError("金额不能为负数")
    if amount > MAX_AMOUNT:
        raise ValueError(f"金额超出上限 {MAX_AMOUNT}")
    if int(amount.as_tuple().exponent) < -2:  # finite here: the exponent is a number
        raise ValueError("金额最多保留两位小数")
    return abs(amount).quantize(CENT)  # abs: "-0.00" is 0.00


def clamp(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    return max(low, min(high, value))
