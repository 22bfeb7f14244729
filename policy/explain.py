"""Explanation lines: every computed amount says which article decided it and how."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Line:
    """One step of a computation: the article applied, the rule in words, the amount."""

    article: str
    text: str
    amount: Decimal

    def as_dict(self) -> dict:
        return {"article": self.article, "text": self.text, "amount": f"{self.amount:.2f}"}
