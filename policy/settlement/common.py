"""Building blocks both regions use: parameter access that remembers what it used, bands, the working bill."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from policy.explain import Line
from policy.money import ZERO, round_yuan

LEVEL_NAMES = {"level3": "三级医疗机构", "other": "其他医疗机构", "community": "社区卫生服务机构"}
HUNDRED = Decimal(100)
ILLUSTRATIVE_PREFIX = "【示例参数】"


class UsedParameters:
    """A parameter view that records which parameters a bill used (to mark illustrative results)."""

    __slots__ = ("view", "used")

    def __init__(self, view):
        self.view = view
        self.used: set[str] = set()

    def __getitem__(self, name: str):
        self.used.add(name)
        return self.view[name]

    def article(self, name: str) -> str:
        return self.view.article(name)

    def illustrative(self) -> bool:
        view = self.view
        return any(view.is_illustrative(name) for name in self.used)


def percent(ratio: Decimal) -> str:
    """0.82 -> '82%' (for explanation text only)."""
    text = str(ratio * HUNDRED)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + "%"


def yuan(amount: Decimal) -> str:
    return f"{amount:.2f}"


def banded(start: Decimal, end: Decimal, bands) -> list[tuple[Decimal, Decimal, Decimal, Decimal]]:
    """Portions of the position range [start, end) inside each band (lower, upper, ratio); upper None = open.

    Returns (lower, upper, portion, ratio) for each band the range touches.
    """
    out = []
    if end <= start:
        return out
    for lower, upper, ratio in bands:
        low = start if start > lower else lower
        high = end if upper is None or end < upper else upper
        if high > low:
            out.append((lower, upper, high - low, ratio))
    return out


@dataclass
class Work:
    """One bill while it is being settled; every component starts at zero."""

    spf: Decimal
    eligible: Decimal
    current_funds_paid: Decimal = ZERO
    deductible: Decimal = ZERO
    basic_fund_paid: Decimal = ZERO
    qualifying: Decimal = ZERO
    catastrophic_paid: Decimal = ZERO
    assistance_paid: Decimal = ZERO
    historical_funds_paid: Decimal = ZERO
    cash_paid: Decimal = ZERO
    lines: list[Line] = field(default_factory=list)

    def line(self, article: str, text: str, amount: Decimal) -> None:
        self.lines.append(Line(article, text, amount))


def band_payment(work: Work, article: str, pieces, label) -> Decimal:
    """Sum portion × ratio over bands, then round once (规程 §1), with one line per band."""
    raw = ZERO
    for lower, upper, portion, ratio in pieces:
        raw += portion * ratio
        work.line(
            article, f"{label(lower, upper)} {yuan(portion)} × {percent(ratio)}", round_yuan(portion * ratio)
        )
    return round_yuan(raw)
