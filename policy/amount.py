"""A single computed amount with its explanation, and helpers the non-settlement rules share."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, overload

from policy.explain import Line
from policy.money import ZERO, round_yuan
from policy.parameters import ParameterView


@dataclass(frozen=True)
class Amount:
    """One amount (yuan, two places) and the lines that decided it."""

    amount: Decimal
    lines: tuple[Line, ...] = ()


class RuleInputError(ValueError):
    """Bad input to a rule: names the field and the reason (the caller turns it into a field error)."""

    def __init__(self, field: str, message: str):
        self.field, self.message = field, message
        super().__init__(f"{field}: {message}")

    @property
    def message_dict(self) -> dict[str, list[str]]:
        return {self.field: [self.message]}


class NotInRegion(LookupError):
    """The region's measures have no such rule (e.g. a Hangzhou-only provision asked of Zhoushan)."""

    def __init__(self, region: str, rule: str):
        self.region, self.rule = region, rule
        super().__init__(f"{region} 的医疗保障办法没有该规定：{rule}")


def declared(params: ParameterView, name: str) -> bool:
    """True when the region's file declares `name` (regions differ in structure, not only in figures)."""
    return name in params.declared


@overload
def money(value: Any, field: str, *, allow_none: Literal[False] = False) -> Decimal: ...


@overload
def money(value: Any, field: str, *, allow_none: bool) -> Decimal | None: ...


def money(value: Any, field: str, *, allow_none: bool = False) -> Decimal | None:
    """A non-negative Decimal amount from input; floats refused (they cannot carry an exact amount)."""
    if value is None:
        if allow_none:
            return None
        raise RuleInputError(field, "不能为空")
    if isinstance(value, (bool, float)):
        raise RuleInputError(field, "应为 Decimal 或字符串形式的金额，不接受浮点数")
    try:
        amount = Decimal(str(value))
    except Exception:
        raise RuleInputError(field, f"不是有效的金额: {value!r}")
    if not amount.is_finite() or amount < 0:
        raise RuleInputError(field, "金额不能为负数")
    return amount


def whole(value: Any, field: str, *, low: int = 0, high: int | None = None) -> int:
    """A whole number in [low, high] (months, ages, counts)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleInputError(field, f"应为整数，收到 {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"{low}–{high}" if high is not None else f"不小于 {low}"
        raise RuleInputError(field, f"应在 {bound} 之间，收到 {value}")
    return value


def percent(ratio: Decimal) -> str:
    """0.099 -> '9.9%' for explanation text."""
    text = format((Decimal(ratio) * 100).normalize(), "f")
    return f"{text}%"


def yuan(amount: Decimal) -> str:
    return f"{Decimal(amount):,.2f} 元"


__all__ = [
    "Amount",
    "NotInRegion",
    "RuleInputError",
    "ZERO",
    "declared",
    "money",
    "percent",
    "round_yuan",
    "whole",
    "yuan",
]
