"""Which bills the agency will settle at all: dates in its open years, amounts it finds plausible.

Plain values in, messages out (apps turn them into 4xx naming the field):
- a bill date is no later than tomorrow and no earlier than the region's measures took effect
  (`measures.effective_date`; a region without that figure has no lower bound);
- a bill's total is at most the region's `settlement.plausibility_limit` for its kind (a region
  without that figure: only the money column's own bound, policy.money.MAX_AMOUNT).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .parameters import ParameterError, parameters_for


def _value(region: str, on: dt.date, key: str):
    try:
        view = parameters_for(region, on)
        return view.get(key), view.article(key)
    except ParameterError:
        return None, ""


class OpenPeriod:
    """The dates a region's agency settles (looked up once; `error(on)` per bill date)."""

    def __init__(self, region: str, today: dt.date):
        self.latest = today + dt.timedelta(days=1)
        first, self.article = _value(region, today, "measures.effective_date")
        self.first = first if isinstance(first, dt.date) else None

    def error(self, on: dt.date) -> str | None:
        if on > self.latest:
            return f"日期 {on.isoformat()} 晚于明天（{self.latest.isoformat()}），不能结算未发生的费用"
        if self.first is not None and on < self.first:
            return f"日期 {on.isoformat()} 早于办法施行日期 {self.first.isoformat()}（{self.article}）"
        return None


def date_error(region: str, on: dt.date, *, today: dt.date) -> str | None:
    """Why a bill date is outside the agency's open years, or None."""
    return OpenPeriod(region, today).error(on)


def plausibility_limits(region: str, on: dt.date) -> tuple[dict, str]:
    """{bill kind: limit} in force on `on` (empty when the region sets none), and its article."""
    limits, article = _value(region, on, "settlement.plausibility_limit")
    if not isinstance(limits, dict):
        return {}, ""
    return {kind: Decimal(str(limit)) for kind, limit in limits.items()}, article


def plausibility_error(region: str, kind: str, total: Decimal, on: dt.date) -> tuple[str, str] | None:
    """(message, article) when a bill's total exceeds its kind's plausibility limit, or None."""
    limits, article = plausibility_limits(region, on)
    limit = limits.get(kind)
    if limit is not None and total > limit:
        return (
            f"单张票据费用总额 {total} 超过该类别的合理性上限 {limit:.2f}，不予实时结算，请转人工审核",
            article,
        )
    return None
