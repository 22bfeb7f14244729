"""Building blocks both regions use: parameter access that remembers what it used, text helpers, the working bill."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from policy.explain import Line, money_text
from policy.money import ZERO

LEVEL_NAMES = {"level3": "三级医疗机构", "other": "其他医疗机构", "community": "社区卫生服务机构"}
HUNDRED = Decimal(100)
ILLUSTRATIVE_PREFIX = "【示例参数】"

# Line(article, text, amount) without the Python-level __new__ (the engine makes several per bill).
new_tuple = tuple.__new__


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


def per_view(build):
    """Memoise `build(params, *key)` for each parameter view: a view's values never change.

    A rule's figures and words (ratios, limits, citations, band names) are then worked out once
    per view, on the first bill that needs them, so a value a bill does not need is still never
    asked for. The view is the key (views are hashed by identity); a tracking view
    (`UsedParameters`, one per bill) is a key of its own, so it still records what each bill uses.
    """
    return lru_cache(maxsize=4096)(build)


@lru_cache(maxsize=1024)
def percent(ratio: Decimal) -> str:
    """0.82 -> '82%' (for explanation text only)."""
    text = str(ratio * HUNDRED)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + "%"


# Money in explanation text: two places, as the response writes amounts.
yuan = money_text


@lru_cache(maxsize=1024)
def cents(value) -> Decimal:
    """A parameter amount (int or Decimal) as a two-place Decimal, so sums and differences stay at two places."""
    return Decimal(value).quantize(Decimal("0.01"))


class Work:
    """One bill while it is being settled; every component starts at zero (the shared ZERO).

    A component still `is ZERO` was never set by a rule: the rules skip Decimal arithmetic on it.
    """

    __slots__ = (
        "spf",
        "eligible",
        "total",
        "current_funds_paid",
        "deductible",
        "basic_fund_paid",
        "qualifying",
        "catastrophic_paid",
        "assistance_paid",
        "historical_funds_paid",
        "cash_paid",
        "lines",
    )

    def __init__(self, bill):
        self.spf = spf = bill.self_pay_first
        self.eligible = eligible = bill.eligible
        self.total = bill.out_of_scope + spf + eligible + bill.special_drug
        self.current_funds_paid = self.deductible = self.basic_fund_paid = self.qualifying = ZERO
        self.catastrophic_paid = self.assistance_paid = self.historical_funds_paid = self.cash_paid = ZERO
        self.lines: list[Line] = []

    def line(self, article: str, text: str, amount: Decimal) -> None:
        self.lines.append(new_tuple(Line, (article, text, amount)))
