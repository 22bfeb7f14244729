"""Explanation lines: every computed amount says which article decided it and how."""

from decimal import Decimal
from typing import NamedTuple


def money_text(amount: Decimal) -> str:
    """Two places (`12.30`); `str()` when the amount already has exactly two places (the common, fast case)."""
    text = str(amount)
    if text[-3:-2] == ".":  # exponent -2 (scientific notation never ends in `.dd`)
        return text
    return f"{amount:.2f}"


class Line(NamedTuple):
    """One step of a computation: the article applied, the rule in words, the amount.

    A named tuple rather than a dataclass: engines build thousands a second, and a tuple is
    immutable, hashable and cheap to make; `article`, `text`, `amount` and `as_dict()` are the interface.
    """

    article: str
    text: str
    amount: Decimal

    def as_dict(self) -> dict:
        return {"article": self[0], "text": self[1], "amount": money_text(self[2])}
